import { recordPushed } from "../../../domain/rotation/index.js";
import type { RotationRun } from "../run.js";
import { newValue } from "./new-value.js";

/** CircleCI: the context or project variable set to the new (proven) value. An upsert: redoing it is harmless. */
export async function pushToCircleci(run: RotationRun): Promise<void> {
  await run.perform("push", async () => {
    const value = await newValue(run);
    const { ci } = run.journal;
    if (ci.kind === "context") {
      await run.call("circleci", () => run.ports.ci.setContextVariable(ci.contextId, ci.variable, value));
    } else {
      await run.call("circleci", () => run.ports.ci.setProjectVariable(ci.project, ci.variable, value));
    }
    const journal = run.journal;
    await run.save(recordPushed(journal, run.at()));
    const target = ci.kind === "context" ? `context ${ci.context}` : `project ${ci.project}`;
    run.record("push", "done", `${target} ${ci.variable}`);
    await run.audit("rotation.pushed", {
      rotationId: journal.rotationId,
      target,
      variable: ci.variable,
      keyId: journal.minted?.keyId ?? null,
      version: journal.stored?.version ?? null,
    });
  });
}
