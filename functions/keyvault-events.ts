// A named import: the default import resolves to undefined once esbuild bundles @azure/functions (an __esModule CJS package) to CJS.
import { app, type EventGridFunctionOptions, type InvocationContext } from "@azure/functions";

// The app (SDKs, engine, zod) loads on the first invocation, not when the host loads this entry with all the others at worker start.
const loadApp = () => import("#shared/app/function-handlers.js");

/** The Event Grid handler over a clock (the engine's `now`; the registered handler uses the system clock). */
export function createKeyVaultEventHandler(clock: { now?: () => Date } = {}): (event: unknown, context: InvocationContext) => Promise<void> {
  return async (event, context) => {
    const { answerKeyVaultEvent, openWatchdog, summarizeCycle } = await loadApp();
    const answer = await answerKeyVaultEvent(() => openWatchdog(process.env, clock), event, "event");
    if (answer.kind === "invalid") {
      // Redelivery cannot fix a malformed event: completed, with the reason at error level for Application Insights.
      context.error(`Key Vault event refused, nothing changed: ${answer.message}`);
      return;
    }
    if (answer.kind === "ignored") {
      context.log(`Key Vault event ${answer.eventId} ignored: ${answer.reason}`);
      return;
    }
    const foreign = answer.foreignVersion ? `; version ${answer.foreignVersion} was not written by the watchdog (vault-changed alert)` : "";
    context.log(`Key Vault event ${answer.eventId} for ${answer.credential}${foreign}: ${summarizeCycle(answer.report)}`);
    const { failures } = answer.report;
    if (failures.length > 0) {
      // Failing the invocation makes Event Grid redeliver the event (with backoff); the journal and leases make that safe.
      throw new Error(`Key Vault event ${answer.eventId} for ${answer.credential} failed part-way: ${failures.map((f) => `${f.step}: ${f.message}`).join("; ")}`);
    }
  };
}

/** keyVaultEvents: SecretNearExpiry, SecretExpired and SecretNewVersionCreated for KEY_VAULT_URL's vault, as they happen. */
export const keyVaultEventHandler = createKeyVaultEventHandler();

export const keyVaultEventsRegistration: EventGridFunctionOptions<unknown> = {
  handler: keyVaultEventHandler,
};

app.eventGrid("keyVaultEvents", keyVaultEventsRegistration);
