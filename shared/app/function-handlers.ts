/**
 * Everything the Azure Functions entries (functions/*.ts) use from the app, behind one module that each entry
 * imports lazily, inside its handler. The host loads every entry when a worker starts; registering a function
 * needs only @azure/functions, so the SDKs, zod and the engine load on the first invocation instead, once.
 *
 * It must stay ONE module shared by all entries (scripts/build.mjs bundles it once to dist/app/): a copy per
 * entry would give each its own BadInputError and UnknownCredentialError classes, and `instanceof` across
 * them would fail.
 */
import { openWatchdog as openWatchdogFor, type WatchdogOptions } from "./watchdog.js";
export { UnknownCredentialError } from "./watchdog.js";

/** The app as every function entry (timer, HTTP, queue) builds it: for Azure Functions, whatever the environment says. */
export const openWatchdog = (env: Record<string, string | undefined>, options: Omit<WatchdogOptions, "host"> = {}) => openWatchdogFor(env, { ...options, host: "functions" });
export { errorResponse, problem } from "./http-errors.js";
export { checkReadRequest } from "./read-request.js";
export { storedInventoryAnswer, storedPlanAnswer } from "./read-model.js";
export { summarizeCycle } from "./summary.js";
export { checkCaller, clientPrincipalHeader, readerRoles, rotateRoles } from "./caller.js";
export { requestRotation } from "./rotation-request.js";
export { maxDequeueCountOf, runRotationJob } from "./rotation-job.js";
export { reportHeaderPolicy } from "../report/index.js";
export { isBusy } from "../engine/rotation/index.js";
export { decodeRotationJob, parseRotationJob } from "../adapters/queue/index.js";
export { credentialName } from "../domain/policy/fields.js";
export { booleanParameter, checkQuery, issuesOf } from "./http-query.js";
// The rotate entry checks its query and body with zod; taking it from here keeps zod out of the entry bundles.
export { z } from "zod";
export { answerKeyVaultEvent } from "./key-vault-events.js";
export { brokerDiscoveryAnswer, brokerKeysAnswer, brokerTokenAnswer } from "./broker-http.js";
