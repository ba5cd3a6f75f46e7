import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Plan } from "../shared/domain/finding.js";
import { auditLimit, escapeHtml, renderReport, reportHeaderPolicy, reportPagePolicy, reportTotals } from "../shared/report/index.js";
import { hostile, largePlan, reportNow, seededReport } from "./support/report-plans.js";

const emptyPlan: Plan = {
  generatedAt: reportNow.toISOString(),
  complete: true,
  sourceErrors: [],
  credentials: [],
  findings: [],
  steps: [],
  summary: { credentials: 0, expired: 0, expiring: 0, longLived: 0, notFound: 0, steps: 0 },
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

  it("keeps a 3,000-credential page compact", () => {
    const plan = largePlan(3_000);
    expect(plan.credentials).toHaveLength(3_000);
    const big = renderReport({ plan, audit: seeded.audit, now: reportNow });
    const bytes = Buffer.byteLength(big, "utf8");
    console.info(`status page for 3,000 credentials: ${bytes} bytes (${Math.round(bytes / 3_000)} bytes a credential)`);
    expect(count(big, '<th scope="row">')).toBe(3_000);
    expect(bytes).toBeLessThan(1_600_000);
  });
});
