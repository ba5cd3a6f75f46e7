export * from "./checks.js";
export * from "./ownership.js";
