/**
 * Cross-process mutual exclusion for one file of the local store (proper-lockfile: an atomic `mkdir` of
 * `<file>.lock`, refreshed while held). A process that dies holding the lock blocks the others only until
 * the lock goes stale, so the stale time is short; the retries wait a little longer than that.
 */
import lockfile from "proper-lockfile";

/** proper-lockfile's floor: it refreshes the lock every stale/2 ms, at least once a second. */
export const MIN_STALE_MS = 2_000;
export const DEFAULT_STALE_MS = 4_000;
const RETRIES = { retries: 60, factor: 1.25, minTimeout: 5, maxTimeout: 250, randomize: true };

export class LockError extends Error {
  constructor(file: string, problem: string) {
    super(`local state ${file}: ${problem}`);
    this.name = "LockError";
  }
}

/**
 * Runs `work` holding the lock of `file`. `stillHeld()` tells whether the lock is known lost (another process
 * took it over as stale): writers check it, together with the file's generation, right before they write.
 */
export async function withFileLock<T>(file: string, work: (stillHeld: () => boolean) => Promise<T>, staleMs: number = DEFAULT_STALE_MS): Promise<T> {
  let compromised: Error | undefined;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(file, {
      realpath: false,
      stale: Math.max(staleMs, MIN_STALE_MS),
      retries: RETRIES,
      // The default throws from a timer and would crash the process; fail this operation instead.
      onCompromised: (error) => {
        compromised = error;
      },
    });
  } catch (error) {
    throw new LockError(file, `could not take the lock (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    const result = await work(() => compromised === undefined);
    if (compromised) throw new LockError(file, `lock was lost while writing (${compromised.message}); the write may or may not have happened`);
    return result;
  } finally {
    await release().catch(() => undefined);
  }
}
