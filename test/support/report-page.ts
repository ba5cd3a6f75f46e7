/**
 * Readers for the status page open in Chromium (test/support/browser.ts): what a person sees of the chart,
 * the table and the text colours, measured on screen.
 */
import { expect } from "vitest";
import { timelineDays } from "#shared/report/index.js";
import type { ServedPage, Visit } from "./browser.js";

export interface MarkOnScreen {
  title: string;
  x: number;
  y: number;
}

export interface Axis {
  today: number;
  end: number;
  chartLeft: number;
  chartRight: number;
}

// In-page scripts are plain strings: the test project's TypeScript has no DOM types.
export const readMarks = `[...document.querySelectorAll('svg.chart[role="img"] g')].filter((g) => g.querySelector(":scope > title"))
  .map((g) => { const r = g.querySelector(":scope > :not(title)").getBoundingClientRect();
    return { title: g.querySelector(":scope > title").textContent, x: r.x + r.width / 2, y: r.y + r.height / 2 }; })`;

export const readAxis = `(() => {
  const tick = (label) => [...document.querySelectorAll("g.tick")].find((g) => g.textContent.trim() === label).querySelector("line").getBoundingClientRect();
  const chart = document.querySelector('svg.chart[role="img"]').getBoundingClientRect();
  const today = tick("today"), end = tick("${timelineDays} days");
  return { today: today.x + today.width / 2, end: end.x + end.width / 2, chartLeft: chart.left, chartRight: chart.right };
})()`;

export interface RowOnScreen {
  label: string;
  days: number | null;
  status: string;
}

export const readRows = `[...document.querySelectorAll("table.credentials tbody tr")].map((tr) => ({
  label: tr.querySelector("th").textContent,
  days: tr.querySelector("data") ? Number(tr.querySelector("data").value) : null,
  status: tr.querySelector(".badge").textContent.trim(),
}))`;

/** WCAG 2 contrast of every visible piece of text against the background it sits on. */
export const readContrast = `(() => {
  const rgba = (c) => { const p = c.match(/[\\d.]+/g).map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
  const lum = ({ r, g, b }) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (el) => { for (let e = el; e; e = e.parentElement) { const c = rgba(getComputedStyle(e).backgroundColor); if (c.a > 0.99) return c; } return { r: 255, g: 255, b: 255, a: 1 }; };
  const worst = [];
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest(".visually-hidden")) continue;
    const text = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim();
    if (!text || el.getClientRects().length === 0) continue;
    const style = getComputedStyle(el);
    const fg = rgba(el instanceof SVGElement ? style.fill : style.color);
    const [a, b] = [lum(fg), lum(background(el))].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed) worst.push(text.slice(0, 40) + " " + ratio.toFixed(2));
  }
  return worst;
})()`;

/** No console error or CSP violation, no failed request, and no request but the page itself. */
export function expectCleanLoad(visit: Visit, site: ServedPage): void {
  expect(visit.errors, "console errors").toEqual([]);
  expect(visit.failed, "failed or blocked requests").toEqual([]);
  expect(visit.requested, "requests made by the page").toEqual([site.url]);
  expect(site.requests).toEqual(["GET /"]);
}
