export { runDoctor, type DoctorOptions } from "./doctor.js";
export { withPermissions } from "./plan-permissions.js";
