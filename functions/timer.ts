// A named import: the default import resolves to undefined once esbuild bundles @azure/functions (an __esModule CJS package) to CJS.
import { app, type InvocationContext, type Timer, type TimerFunctionOptions } from "@azure/functions";

// The app (SDKs, engine) loads on the first invocation, not when the host loads this entry with all the others at worker start.
const loadApp = () => import("#shared/app/function-handlers.js");

/** The timer's handler over a clock (the engine's `now`; the registered handler uses the system clock). */
export function createWatchdogTimer(clock: { now?: () => Date } = {}): (timer: Timer, context: InvocationContext) => Promise<void> {
  return async (_timer, context) => {
    const { openWatchdog, summarizeCycle } = await loadApp();
    const watchdog = await openWatchdog(process.env, clock);
    const report = await watchdog.run({ dryRun: false, actor: "timer" });
    context.log(summarizeCycle(report));
    if (report.failures.length > 0) {
      // Failing the invocation makes the failure visible in Application Insights; state is kept and the next cycle resumes.
      throw new Error(`cycle failed part-way: ${report.failures.map((f) => `${f.step}: ${f.message}`).join("; ")}`);
    }
  };
}

/** The watchdog: one full cycle, exactly `watchdog run`. */
export const watchdogTimer = createWatchdogTimer();

export const timerRegistration: TimerFunctionOptions = {
  // Resolved by the host from the app setting; runOnStartup stays off so a scale-out or restart never fires extra cycles.
  schedule: "%WATCHDOG_SCHEDULE%",
  runOnStartup: false,
  handler: watchdogTimer,
};

app.timer("watchdog", timerRegistration);
