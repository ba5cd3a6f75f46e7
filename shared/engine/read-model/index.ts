/**
 * The read model (issue 18): what the last cycle or refresh read and decided, stored compactly in the state
 * table `reads` and served to readers without a request to CircleCI, Graph or Key Vault.
 */
export { READ_FORMAT, storableSnapshot, type CycleResult, type ReadInfo, type ReadOrigin, type ReadPart, type ReadParts, type ReadProgress } from "./format.js";
export { loadRead, ReadMemo, readPointer, saveRead, type LoadedRead, type ReadLoad, type SaveOutcome } from "./read-store.js";
export { InstanceReads, REFRESH_LEASE, ReadUnavailableError, serveRead, type ReadModelDependencies, type RefreshNote, type ServedRead } from "./serve.js";
export { assembleRead, type ReadToStore } from "./read-world.js";
