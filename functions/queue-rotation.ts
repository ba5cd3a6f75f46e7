// A named import: the default import resolves to undefined once esbuild bundles @azure/functions (an __esModule CJS package) to CJS.
import { app, type InvocationContext, type StorageQueueFunctionOptions } from "@azure/functions";
import type { RotationJobMessage } from "#shared/ports/state-store.js";

// The app (SDKs, engine, zod) loads on the first invocation, not when the host loads this entry with all the others at worker start.
const loadApp = () => import("#shared/app/function-handlers.js");
type App = Awaited<ReturnType<typeof loadApp>>;

// DEFAULT_QUEUE_NAME of shared/adapters/queue, written out: importing it would bundle the queue adapter (zod, the
// storage SDK) into this entry. test/queue-azure.test.ts and test/queue-rotation.test.ts both pin "rotation-jobs".
const queueName = "rotation-jobs";

type Read = { ok: true; job: RotationJobMessage } | { ok: false; problem: string };

/**
 * The host Base64-decodes the message and hands over the JSON already parsed, or the text when it is not JSON
 * (bytes for binary content). Text is tried as JSON, then as the raw Base64 (a host with messageEncoding none).
 */
function readJob(entry: unknown, where: string, { decodeRotationJob, parseRotationJob }: App): Read {
  let raw = entry;
  if (raw instanceof Uint8Array) raw = Buffer.from(raw).toString("utf8");
  try {
    if (typeof raw !== "string") return { ok: true, job: parseRotationJob(raw, where) };
    let json: unknown;
    try {
      json = JSON.parse(raw) as unknown;
    } catch {
      return { ok: true, job: decodeRotationJob(raw, where) };
    }
    return { ok: true, job: parseRotationJob(json, where) };
  } catch (error) {
    return { ok: false, problem: error instanceof Error ? error.message : String(error) };
  }
}

function dequeueCountOf(context: InvocationContext): number {
  const count = Number(context.triggerMetadata?.dequeueCount);
  return Number.isInteger(count) && count > 0 ? count : 1;
}

/** The queue handler over a clock (the engine's `now`; the registered handler uses the system clock). */
export function createRotationJobHandler(clock: { now?: () => Date } = {}): (entry: unknown, context: InvocationContext) => Promise<void> {
  return async (entry, context) => {
    const messageId = typeof context.triggerMetadata?.id === "string" ? context.triggerMetadata.id : context.invocationId;
    const loaded = await loadApp();
    const { openWatchdog, runRotationJob, maxDequeueCountOf } = loaded;
    const read = readJob(entry, `message ${messageId}`, loaded);
    if (!read.ok) {
      context.error(`${read.problem}; dropped (a malformed message is never retried)`);
      return;
    }
    const { job } = read;
    const watchdog = await openWatchdog(process.env, clock);
    const result = await runRotationJob(watchdog, job, { dequeueCount: dequeueCountOf(context), maxDequeueCount: maxDequeueCountOf(process.env) });
    if (result.kind === "done") {
      const o = result.outcome;
      context.log(`rotation job ${job.jobId} (${job.credential}): ${o.state}${o.waitingUntil ? `, waiting until ${o.waitingUntil}` : ""}${o.note ? ` (${o.note})` : ""}, ${o.apiCalls} API calls`);
    } else {
      context.log(`rotation job ${job.jobId} (${job.credential}): ${result.kind}: ${result.message}`);
    }
  };
}

/**
 * rotation-jobs: one credential's rotation, fanned out by the timer. A malformed message is logged and
 * completed (retrying cannot fix it); a failure throws so the host retries, and on the last attempt a poison
 * alert goes out first. Misconfiguration throws too: the message waits in the poison queue for the fix.
 */
export const rotationJobHandler = createRotationJobHandler();

export const rotationJobRegistration: StorageQueueFunctionOptions = {
  queueName,
  // The app setting of the storage account: the same one the state store and the timer's fan-out use.
  connection: "AzureWebJobsStorage",
  handler: rotationJobHandler,
};

app.storageQueue("rotationJobs", rotationJobRegistration);
