export * from "./checks.js";
export * from "./ownership.js";
export * from "./owned-apps.js";
