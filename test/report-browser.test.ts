/**
 * The status page in real headless Chromium, served over loopback HTTP with the same CSP header as
 * GET /api/report: what a person sees (marks, order, words, contrast) and what must never happen (script).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentialRowLimit, renderReport, reportHeaderPolicy, timelineDays } from "#shared/report/index.js";
import { launchChromium, servePage, type Chromium, type ServedPage, type Visit } from "./support/browser.js";
import { expectCleanLoad, readAxis, readContrast, readMarks, readRows, type Axis, type MarkOnScreen, type RowOnScreen } from "./support/report-page.js";
import { estatePlan, hostile, reportNow, seededReport } from "./support/report-plans.js";

describe("the status page in Chromium", () => {
  const seeded = seededReport();
  const html = renderReport({ plan: seeded.plan, audit: seeded.audit, now: reportNow });
  let browser: Chromium;
  let site: ServedPage;
  let visit: Visit;

  beforeAll(async () => {
    browser = await launchChromium();
    site = await servePage({ headers: { "Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": reportHeaderPolicy }, body: html });
    visit = await browser.visit(site.url);
  });

  afterAll(async () => {
    await site?.close();
    await browser?.close();
  });

  it("loads with no console error and asks for nothing but itself", () => {
    expectCleanLoad(visit, site);
  });

  it("puts one mark per expiring credential at its days left, and the expired ones left of today", async () => {
    const marks = (await visit.page.evaluate(readMarks)) as MarkOnScreen[];
    const axis = (await visit.page.evaluate(readAxis)) as Axis;
    const pxPerDay = (axis.end - axis.today) / timelineDays;
    expect(pxPerDay).toBeGreaterThan(5);
    expect(marks).toHaveLength(seeded.onChart.length);

    const expiredX: number[] = [];
    for (const expected of seeded.onChart) {
      const found = marks.filter((m) => m.title.startsWith(`${expected.label}: `));
      expect(found, expected.label).toHaveLength(1);
      const mark = found[0]!;
      if (expected.daysLeft > 0) {
        expect(Math.abs(mark.x - (axis.today + expected.daysLeft * pxPerDay)), `${expected.label} at ${expected.daysLeft} days`).toBeLessThan(1.5);
      } else {
        expect(mark.x, `${expected.label} is expired`).toBeLessThan(axis.today - 20);
        expect(mark.x).toBeGreaterThan(axis.chartLeft);
        expiredX.push(mark.x);
      }
    }
    expect(new Set(expiredX.map(Math.round)).size, "expired marks share one column").toBe(1);
    for (const label of seeded.offChart) expect(marks.some((m) => m.title.startsWith(`${label}: `)), label).toBe(false);

    const twins = marks.filter((m) => m.title.startsWith("twenty-day-"));
    expect(Math.abs(twins[0]!.x - twins[1]!.x)).toBeLessThan(0.5);
    expect(Math.abs(twins[0]!.y - twins[1]!.y), "marks on the same day stack").toBeGreaterThan(8);
  });

  it("labels the expired column and each mark in words", async () => {
    const chart = visit.page.locator('svg.chart[role="img"]');
    await expect(chart.locator("text", { hasText: "Expired" }).count()).resolves.toBe(1);
    const titles = (await visit.page.evaluate(readMarks)) as MarkOnScreen[];
    expect(titles.map((m) => m.title)).toContain("legacy-reports: expired 6 days ago (2026-02-23)");
    expect(titles.map((m) => m.title)).toContain("seven-day-app secret: in 7 days (2026-03-08)");
  });

  it("lists every credential in the table, fewest days left first, undated ones last", async () => {
    const rows = (await visit.page.evaluate(readRows)) as RowOnScreen[];
    expect(rows).toHaveLength(seeded.plan.credentials.length);
    const dated = rows.filter((r) => r.days !== null).map((r) => r.days ?? 0);
    expect(dated).toEqual([...dated].sort((a, b) => a - b));
    expect(rows.findIndex((r) => r.days === null)).toBe(dated.length);
    expect(rows[0]?.label).toMatch(/^legacy-reports/);
    expect(rows[0]?.status).toBe("Expired");
  });

  it("shows hostile names as plain text and runs none of them", async () => {
    expect(visit.dialogs).toEqual([]);
    await expect(visit.page.evaluate(`"__xss" in window`)).resolves.toBe(false);
    await expect(visit.page.evaluate(`document.querySelectorAll("script, img, iframe, object, embed").length`)).resolves.toBe(0);
    await expect(visit.page.evaluate(`document.querySelectorAll("style").length`)).resolves.toBe(1);
    await expect(
      visit.page.evaluate(`[...document.querySelectorAll("*")].flatMap((e) => [...e.attributes].map((a) => a.name)).filter((n) => n.startsWith("on")).length`),
    ).resolves.toBe(0);
    const text = (await visit.page.evaluate(`document.body.textContent`)) as string;
    for (const name of Object.values(hostile)) expect(text, name).toContain(name);
    // Hovering the attribute payload's cell would fire an injected onmouseover; nothing may happen.
    await visit.page.getByText(hostile.attribute, { exact: false }).first().hover({ timeout: 5_000 });
    expect(visit.dialogs).toEqual([]);
  });

  it("is accessible: headings, captions, scoped headers, a named chart with a text alternative", async () => {
    const page = visit.page;
    await expect(page.locator("h1").count()).resolves.toBe(1);
    await expect(page.getByRole("heading", { level: 2 }).allTextContents()).resolves.toEqual(
      expect.arrayContaining(["Totals", "Expiry timeline: the next 90 days", "Credentials", "Latest audit events"]),
    );
    await expect(page.locator("table caption").count()).resolves.toBe(2);
    await expect(page.locator("thead th:not([scope=col])").count()).resolves.toBe(0);
    await expect(page.locator("tbody th:not([scope=row])").count()).resolves.toBe(0);
    const chart = page.getByRole("img", { name: /Expiry timeline of the next 90 days/ });
    await expect(chart.count()).resolves.toBe(1);
    await expect(chart.getAttribute("aria-labelledby")).resolves.toBe("timeline-title timeline-desc");
    await expect(page.locator("#timeline-desc").textContent()).resolves.toMatch(/credentials expire within 90 days; 3 have expired/);
    const alternative = (await page.locator("#timeline-list").textContent()) ?? "";
    for (const mark of seeded.onChart) expect(alternative).toContain(mark.label);
    const box = await page.locator("#timeline-list").boundingBox();
    expect(box?.width ?? 0, "the text alternative is visually hidden").toBeLessThanOrEqual(1);
  });

  it("never relies on colour alone: every status has its word", async () => {
    const rows = (await visit.page.evaluate(readRows)) as RowOnScreen[];
    for (const row of rows) expect(["Expired", "Expiring", "OK", "Long-lived", "Not found", "Retiring"]).toContain(row.status);
  });

  it("has text contrast of at least 4.5:1 (3:1 for large text) everywhere", async () => {
    await expect(visit.page.evaluate(readContrast)).resolves.toEqual([]);
  });
});

describe("escaping alone, with the CSP switched off in the browser", () => {
  it("still runs nothing from the hostile names", async () => {
    const seeded = seededReport();
    const browser = await launchChromium({ bypassCSP: true });
    const site = await servePage({ headers: { "Content-Type": "text/html; charset=utf-8" }, body: renderReport({ plan: seeded.plan, audit: seeded.audit, now: reportNow }) });
    try {
      const visit = await browser.visit(site.url);
      await visit.page.getByText(hostile.attribute, { exact: false }).first().hover({ timeout: 5_000 });
      expect(visit.dialogs).toEqual([]);
      await expect(visit.page.evaluate(`"__xss" in window`)).resolves.toBe(false);
      await expect(visit.page.evaluate(`document.querySelectorAll("script, img").length`)).resolves.toBe(0);
      expect(visit.errors).toEqual([]);
    } finally {
      await site.close();
      await browser.close();
    }
  });
});

describe("a 19,000-credential estate in Chromium", () => {
  it("loads cleanly, with one mark per credential expiring within 90 days, the capped table in order, and its footer counting the rest", async () => {
    const plan = estatePlan();
    const html = renderReport({ plan, audit: [], now: reportNow });
    const browser = await launchChromium();
    const site = await servePage({ headers: { "Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": reportHeaderPolicy }, body: html });
    try {
      const visit = await browser.visit(site.url);
      expectCleanLoad(visit, site);
      const expected = plan.credentials.filter((c) => !c.retiring && c.daysLeft !== undefined && c.daysLeft <= timelineDays).length;
      const marks = (await visit.page.evaluate(readMarks)) as MarkOnScreen[];
      expect(marks).toHaveLength(expected);
      const axis = (await visit.page.evaluate(readAxis)) as Axis;
      for (const mark of marks) expect(mark.x).toBeLessThanOrEqual(axis.end + 1);
      const rows = (await visit.page.evaluate(readRows)) as RowOnScreen[];
      expect(rows).toHaveLength(credentialRowLimit);
      const dated = rows.filter((r) => r.days !== null).map((r) => r.days ?? 0);
      expect(dated).toEqual([...dated].sort((a, b) => a - b));
      const caption = (await visit.page.locator("table.credentials caption").textContent()) ?? "";
      expect(caption).toMatch(/^500 of 19,000 credentials: .* The other 18,500, long-lived or fine and not in the policy, are counted after the table\./);
      const footer = visit.page.locator("table.credentials tfoot td");
      await expect(footer.isVisible()).resolves.toBe(true);
      await expect(footer.textContent()).resolves.toMatch(/long-lived CircleCI variables .* are fine, not in the policy and not listed\. watchdog plan --json lists every credential/);
      await expect(visit.page.evaluate(readContrast)).resolves.toEqual([]);
    } finally {
      await site.close();
      await browser.close();
    }
  });
});

describe("without Chromium", () => {
  it("fails, saying how to install it, instead of skipping", async () => {
    await expect(launchChromium({ executablePath: "/nonexistent/chromium" })).rejects.toThrow(/CHROMIUM_PATH/);
  });
});
