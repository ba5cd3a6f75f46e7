export { createLocalStateStore, LocalStateStore, AUDIT_FILE } from "./local-state-store.js";
export type { LocalStateStoreOptions } from "./local-state-store.js";
export { LockError } from "./file-lock.js";
