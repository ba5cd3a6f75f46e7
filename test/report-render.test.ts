import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Plan, WatchedCredential } from "#shared/domain/finding.js";
import { credentialLabel } from "#shared/report/credential-label.js";
import {
  auditLimit,
  credentialRowLimit,
  escapeHtml,
  renderReport,
  reportHeaderPolicy,
  reportPagePolicy,
  reportTotals,
  selectTableRows,
  timelineDays,
} from "#shared/report/index.js";
import { estateBoundVariables, estatePlan, hostile, largePlan, reportNow, seededReport } from "./support/report-plans.js";

const emptyPlan: Plan = {
  generatedAt: reportNow.toISOString(),
  complete: true,
  sourceErrors: [],
  credentials: [],
  findings: [],
  steps: [],
  summary: { credentials: 0, expired: 0, expiring: 0, longLived: 0, notFound: 0, exposed: 0, drifted: 0, steps: 0 },
};

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

describe("renderReport: the page as markup", () => {
  const seeded = seededReport();
  const page = renderReport({ plan: seeded.plan, audit: seeded.audit, now: reportNow });

  it("escapes every outside name, wherever it lands (text, attributes, SVG titles, the error banner)", () => {
    for (const name of Object.values(hostile)) {
      expect(page, name).not.toContain(name);
      expect(page, name).toContain(escapeHtml(name));
    }
    expect(page.toLowerCase()).not.toContain("<script");
    expect(page.toLowerCase()).not.toContain("<img");
    expect(count(page.toLowerCase(), "<style")).toBe(1);
  });

  it("escapes the five characters that matter in text and quoted attributes", () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe("&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
  });

  it("carries a CSP that allows no script and only its own stylesheet, by hash", () => {
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(page)?.[1];
    expect(meta?.replaceAll("&#39;", "'")).toBe(reportPagePolicy);
    const stylesheet = /<style>([\s\S]*?)<\/style>/.exec(page)?.[1] ?? "";
    const hash = createHash("sha256").update(stylesheet, "utf8").digest("base64");
    expect(reportPagePolicy).toContain(`style-src 'sha256-${hash}'`);
    expect(reportPagePolicy).toMatch(/^default-src 'none';/);
    expect(reportPagePolicy).toContain("img-src data:");
    expect(reportPagePolicy).not.toContain("unsafe");
    expect(reportPagePolicy).not.toContain("script-src");
    expect(reportHeaderPolicy).toBe(`${reportPagePolicy}; frame-ancestors 'none'`);
    // A style attribute would be blocked by a hash-only style-src (and reported by the browser).
    expect(page).not.toMatch(/\sstyle=/);
  });

  it("counts what the plan holds: expired, within each threshold, long-lived, rotations due; a retiring secret counts nowhere", () => {
    const totals = reportTotals({ plan: seeded.plan });
    expect(totals.watched).toBe(seeded.plan.credentials.length);
    expect(totals.expired).toBe(3);
    expect(totals.within).toEqual([
      { days: 1, count: 1 },
      { days: 3, count: 2 },
      { days: 7, count: 3 },
      { days: 14, count: 5 },
      { days: 30, count: 7 },
    ]);
    expect(totals.longLived).toBe(2);
    expect(totals.rotationsDue).toBe(1);
    expect([totals.rotating, totals.migrating, totals.federated]).toEqual([0, 0, 0]);
  });

  it("counts rotations and migrations in progress from the journals' states", () => {
    const totals = reportTotals({
      plan: seeded.plan,
      states: {
        a: { rotation: "pushed" },
        b: { rotation: "retired" },
        c: { migration: "waiting" },
        d: { migration: "planned" },
        e: { migration: "retired" },
        f: { migration: "rolled-back" },
      },
    });
    expect([totals.rotating, totals.migrating, totals.federated]).toEqual([1, 2, 2]);
    const page = renderReport({ plan: seeded.plan, audit: [], now: reportNow, states: { "prod-deploy": { rotation: "stored" } } });
    expect(page).toContain("rotating (stored)");
    expect(page).toContain("<dt>Rotating</dt><dd>1");
  });

  it("uses the policy's thresholds when given", () => {
    const page = renderReport({ plan: seeded.plan, audit: [], now: reportNow, thresholdsDays: [60, 10] });
    expect(page).toContain("Within 10 days: <b>4</b>");
    expect(page).toContain("Within 60 days: <b>10</b>");
    expect(page).not.toContain("Within 30 days");
  });

  it("shows at most the newest audit events, in the order given", () => {
    expect(seeded.audit.length).toBeGreaterThan(auditLimit);
    expect(count(page, "<time datetime=")).toBe(auditLimit);
    expect(page.indexOf("credential-2<")).toBeLessThan(page.indexOf("credential-3<"));
    expect(page).not.toContain(`credential-${auditLimit}<`);
  });

  it("says when the inventory was incomplete, naming what failed", () => {
    expect(page).toContain("Inventory incomplete");
    expect(page).toContain(`read failed: ${escapeHtml(hostile.script)}`);
  });

  it("is a pure function of its input: the same input gives the same bytes", () => {
    expect(renderReport({ plan: seeded.plan, audit: seeded.audit, now: reportNow })).toBe(page);
  });

  it("renders an empty estate with words instead of an empty chart and table", () => {
    const empty = renderReport({ plan: emptyPlan, audit: [], now: reportNow, title: "Acme <CI>" });
    expect(empty).toContain("<title>Acme &lt;CI&gt;</title>");
    expect(empty).toContain("No credentials were found.");
    expect(empty).toContain("Nothing expires in the next 90 days.");
    expect(empty).toContain("No audit events have been recorded yet.");
  });

  it("keeps a 3,000-credential page compact: what needs attention, then the oldest long-lived variables up to the row limit", () => {
    const plan = largePlan(3_000);
    expect(plan.credentials).toHaveLength(3_000);
    const big = renderReport({ plan, audit: seeded.audit, now: reportNow });
    const bytes = Buffer.byteLength(big, "utf8");
    console.info(`status page for 3,000 credentials: ${bytes} bytes`);
    expect(count(big, '<th scope="row">')).toBe(credentialRowLimit);
    expect(big).toContain(`${credentialRowLimit} of 3,000 credentials`);
    expect(bytes).toBeLessThan(400_000);
  });
});

/** The table's rows, as the page lists them: label (the row header's text before its tag) and days left. */
function tableRows(page: string): Array<{ label: string; days: number | undefined }> {
  const body = page.slice(page.indexOf('<table class="credentials">'), page.indexOf("</tbody>", page.indexOf('<table class="credentials">')));
  return [...body.matchAll(/<tr><th scope="row">(.*?)<span class="tag">.*?<\/th>.*?<\/tr>/g)].map((m) => {
    const days = /<data value="(-?\d+)">/.exec(m[0])?.[1];
    return { label: m[1] ?? "", days: days === undefined ? undefined : Number(days) };
  });
}

const needsAttention = (c: WatchedCredential) => c.bound || c.retiring === true || c.status === "expired" || c.status === "expiring" || c.status === "not-found";

describe("renderReport: a 19,000-credential estate", () => {
  const plan = estatePlan();
  const page = renderReport({ plan, audit: seededReport().audit, now: reportNow });
  const rows = tableRows(page);
  const listed = new Set(rows.map((r) => r.label));
  const unlisted = plan.credentials.filter((c) => !listed.has(escapeHtml(credentialLabel(c))));

  it("is a small page, rendered quickly", () => {
    expect(plan.credentials).toHaveLength(19_000);
    expect(new Set(plan.credentials.map(credentialLabel)).size, "every label in the fixture is unique").toBe(19_000);
    const started = performance.now();
    renderReport({ plan, audit: [], now: reportNow });
    const ms = performance.now() - started;
    const bytes = Buffer.byteLength(page, "utf8");
    console.info(`status page for 19,000 credentials: ${bytes} bytes, ${rows.length} rows, rendered in ${Math.round(ms)} ms`);
    expect(bytes).toBeLessThan(600_000);
  });

  it("lists every credential that needs attention and every one in the policy, however many", () => {
    const urgent = plan.credentials.filter(needsAttention);
    expect(urgent.length).toBeGreaterThan(400);
    for (const c of urgent) expect(listed.has(escapeHtml(credentialLabel(c))), credentialLabel(c)).toBe(true);
    // The bound ones are fine and sort deep in the middle: only being in the policy keeps them.
    expect(listed).toContain("estate-app");
    expect(listed).toContain("estate-variable");
    expect(listed).not.toContain(estateBoundVariables[0]);
  });

  it("fills the table up to the row limit, oldest long-lived variables first, and leaves out only long-lived or fine unbound ones", () => {
    expect(rows).toHaveLength(credentialRowLimit);
    expect(rows.length + unlisted.length).toBe(plan.credentials.length);
    for (const c of unlisted) {
      expect(c.bound).toBe(false);
      expect(["ok", "long-lived"]).toContain(c.status);
    }
    const longLived = plan.credentials.filter((c) => c.status === "long-lived" && !c.bound);
    const listedLongLived = longLived.filter((c) => listed.has(credentialLabel(c)));
    expect(listedLongLived.length).toBe(credentialRowLimit - plan.credentials.filter(needsAttention).length);
    const oldestLeftOut = Math.max(...unlisted.filter((c) => c.status === "long-lived").map((c) => c.ageDays ?? 0));
    for (const c of listedLongLived) expect(c.ageDays ?? 0).toBeGreaterThanOrEqual(oldestLeftOut);
  });

  it("counts what it leaves out exactly, per source, in the table's footer and its caption", () => {
    const tally = (keep: (c: WatchedCredential) => boolean) => unlisted.filter(keep).length.toLocaleString("en-US");
    const longLived = tally((c) => c.status === "long-lived");
    const fineVariables = tally((c) => c.status === "ok" && c.source.circleci !== undefined);
    const fineSecrets = tally((c) => c.status === "ok" && c.source.entra !== undefined);
    const footer = /<tfoot>(.*?)<\/tfoot>/s.exec(page)?.[1] ?? "";
    expect(footer).toContain(`${longLived} long-lived CircleCI variables (unchanged for 91 to `);
    expect(footer).toContain(`${fineVariables} CircleCI variables and ${fineSecrets} Entra secrets are fine, not in the policy and not listed.`);
    expect(footer).toContain("<code>watchdog plan --json</code> lists every credential with its status.");
    const caption = /<caption>(.*?)<\/caption>/s.exec(page.slice(page.indexOf("credentials-heading")))?.[1] ?? "";
    expect(caption).toContain(`${credentialRowLimit} of 19,000 credentials`);
    expect(caption).toContain(`The other ${unlisted.length.toLocaleString("en-US")}, long-lived or fine and not in the policy, are counted after the table.`);
  });

  it("keeps the order by days left, undated ones last", () => {
    const dated = rows.filter((r) => r.days !== undefined).map((r) => r.days ?? 0);
    expect(dated).toEqual([...dated].sort((a, b) => a - b));
    expect(rows.findIndex((r) => r.days === undefined)).toBe(dated.length);
  });

  it("keeps the totals and the chart complete", () => {
    const totals = reportTotals({ plan });
    expect(page).toContain(`<dt>Watched</dt><dd>19000`);
    expect(page).toContain(`<dt>Long-lived</dt><dd>${totals.longLived}`);
    const onChart = plan.credentials.filter((c) => !c.retiring && c.daysLeft !== undefined && c.daysLeft <= timelineDays).length;
    expect(count(page, "<g><title>")).toBe(onChart);
  });

  it("gives the same bytes for the same input, whatever order the plan lists its credentials in", () => {
    expect(renderReport({ plan, audit: seededReport().audit, now: reportNow })).toBe(page);
    const reversed = { ...plan, credentials: [...plan.credentials].reverse() };
    const table = (p: string) => p.slice(p.indexOf('<section aria-labelledby="credentials-heading">'), p.indexOf('<section aria-labelledby="audit-heading">'));
    expect(table(renderReport({ plan: reversed, audit: [], now: reportNow }))).toBe(table(page));
  });
});

describe("selectTableRows", () => {
  const plan = largePlan(300);

  it("lists everything while it fits under the limit", () => {
    const all = selectTableRows(plan.credentials, plan.steps, {}, 1_000);
    expect(all.listed).toHaveLength(300);
    expect([all.leftOutCount, all.leftOut]).toEqual([0, []]);
  });

  it("never cuts what needs attention, even past the limit, and keeps what a rotation or migration works on", () => {
    const fine = plan.credentials.find((c) => c.status === "ok");
    if (!fine) throw new Error("fixture has no fine credential");
    const tight = selectTableRows(plan.credentials, plan.steps, { [fine.credential]: { rotation: "stored" } }, 1);
    const urgent = plan.credentials.filter(needsAttention);
    expect(tight.listed).toHaveLength(urgent.length + 1);
    expect(tight.listed).toContain(fine);
    expect(tight.filled).toBe(0);
    expect(tight.leftOutCount).toBe(300 - urgent.length - 1);
    expect(tight.leftOut.reduce((sum, g) => sum + g.count, 0)).toBe(tight.leftOutCount);
  });
});
