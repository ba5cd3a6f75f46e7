import { recordPushed, type CiTarget } from "../../../domain/rotation/index.js";
import type { SecretValue } from "../../../domain/secret-value.js";
import type { RotationRun } from "../run.js";
import { newValue } from "./new-value.js";

/**
 * Writes `value` to the credential's CircleCI variable and returns, for a context variable, the `updated_at`
 * CircleCI gives it (the server's clock: later changes by hand are drift). CircleCI may answer a PUT with a bare
 * message; then the variable is read back for it.
 */
export async function writeToCircleci(run: Pick<RotationRun, "ports" | "call">, ci: CiTarget, value: SecretValue): Promise<string | undefined> {
  if (ci.kind === "project") {
    await run.call("circleci", () => run.ports.ci.setProjectVariable(ci.project, ci.variable, value));
    return undefined;
  }
  const receipt = await run.call("circleci", () => run.ports.ci.setContextVariable(ci.contextId, ci.variable, value));
  if (receipt.updatedAt) return receipt.updatedAt;
  const variables = await run.call("circleci", () => run.ports.ci.listContextVariables({ id: ci.contextId, name: ci.context, createdAt: "" }));
  return variables.find((v) => v.name === ci.variable)?.updatedAt;
}

/** CircleCI: the context or project variable set to the new (proven) value. An upsert: redoing it is harmless. */
export async function pushToCircleci(run: RotationRun): Promise<void> {
  await run.perform("push", async () => {
    const value = await newValue(run);
    const { ci } = run.journal;
    const ciUpdatedAt = await writeToCircleci(run, ci, value);
    const journal = run.journal;
    await run.save(recordPushed(journal, run.at(), ciUpdatedAt));
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
