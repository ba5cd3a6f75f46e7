export { runDoctor, type DoctorOptions } from "./doctor.js";
