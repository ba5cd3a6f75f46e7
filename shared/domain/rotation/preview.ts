import type { RotationJournal, RotationState, RotationStep } from "./journal.js";
import { nextAction, type DecisionContext } from "./next-action.js";
import { HOUR_MS } from "../time.js";

export interface RotationPreview {
  /** The journal's state now ("none": never rotated). */
  state: RotationState | "none";
  rotationId?: string;
  /** The steps a run now would take, in order (the external calls behind them are the ones named). */
  wouldDo: RotationStep[];
  /** After those steps, nothing more happens before this time (the overlap). */
  waitingUntil?: string;
  note: string;
}

const forward: Array<{ from: RotationState; step: RotationStep }> = [
  { from: "started", step: "mint" },
  { from: "minted", step: "store" },
  { from: "stored", step: "verify" },
  { from: "verified", step: "push" },
];

function stepsFrom(state: RotationState): RotationStep[] {
  const start = forward.findIndex((f) => f.from === state);
  return start < 0 ? [] : forward.slice(start).map((f) => f.step);
}

/** What `rotateCredential` would do now, without doing it (`?dryRun=true`, `watchdog rotate --dry-run`). */
export function previewRotation(journal: RotationJournal | null, ctx: Omit<DecisionContext, "valueInMemory">): RotationPreview {
  const action = nextAction(journal, { ...ctx, valueInMemory: false });
  const state: RotationPreview["state"] = journal?.state ?? "none";
  const base = { state, ...(journal ? { rotationId: journal.rotationId } : {}) };
  const overlapEnd = new Date(ctx.now.getTime() + ctx.policy.overlapHours * HOUR_MS).toISOString();
  switch (action.kind) {
    case "idle":
      return { ...base, wouldDo: [], note: action.reason };
    case "wait":
      return { ...base, wouldDo: [], waitingUntil: action.until, note: `waiting: ${action.reason}` };
    case "retire":
      return { ...base, wouldDo: ["retire"], note: "the overlap has passed: the old password would be removed and the old Key Vault versions disabled" };
    case "start":
      return {
        ...base,
        wouldDo: ["start", ...stepsFrom("started")],
        waitingUntil: overlapEnd,
        note: "a new rotation would start: mint a password, store it in Key Vault, prove it with a token, push it to CircleCI; the old one is retired after the overlap",
      };
    case "reconcile":
      return {
        ...base,
        wouldDo: ["reconcile", ...stepsFrom(journal?.state ?? "started")],
        waitingUntil: overlapEnd,
        note: `the world would be read first (${action.reason}); the steps after it depend on what is found`,
      };
    default: {
      const steps = stepsFrom(state === "none" ? "started" : state);
      return { ...base, wouldDo: steps, waitingUntil: overlapEnd, note: `the rotation would resume at ${action.kind}` };
    }
  }
}
