/**
 * The HTML status page: pure functions from a plan, the audit log and a clock to one self-contained page.
 * Presentation only: it imports domain types and does no I/O.
 */
export { renderReport } from "./page.js";
export type { CredentialProgress, MigrationStage, ReportInput } from "./report-input.js";
export { reportHeaderPolicy, reportPagePolicy } from "./content-security-policy.js";
export { auditLimit } from "./audit-table.js";
export { defaultThresholdsDays, reportTotals, type ReportTotals } from "./totals.js";
export { timelineDays } from "./timeline.js";
export { credentialRowLimit, selectTableRows, type LeftOutGroup, type TableRows } from "./table-rows.js";
export { escapeHtml } from "./html.js";
