export * from "./evidence.js";
export * from "./duration.js";
export * from "./evaluate.js";
