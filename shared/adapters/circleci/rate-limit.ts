// The header rules are shared with the Graph adapter; this name stays for the CircleCI adapter's callers.
export { requestedWaitMs } from "../pacing/index.js";
