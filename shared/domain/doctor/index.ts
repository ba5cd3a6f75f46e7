export * from "./checks.js";
export * from "./ownership.js";
export * from "./owned-apps.js";
export * from "./tenant-policy.js";
