/** The plan: what the watchdog sees, what is wrong, and what it will do (pure; `now` is a parameter). */
export { buildPlan, type PlanContext } from "./build-plan.js";
export { alertSourceSchema, migrationStatusSchema, planSchema } from "./plan-schema.js";
export { selectLivePassword, type LivePassword, type LiveSelection } from "./live-password.js";
export { describeProjectCoverage, projectCoverage, type ProjectCoverage } from "./project-coverage.js";
export { applyPermissions, type PermissionEvidence } from "./permission-blocks.js";
