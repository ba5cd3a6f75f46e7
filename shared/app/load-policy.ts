import { readFile } from "node:fs/promises";
import { formatIssue, parsePolicy, type Policy } from "../domain/policy/index.js";
import { BadInputError } from "./errors.js";

export class PolicyFileError extends BadInputError {
  constructor(
    readonly file: string,
    issues: string[],
  ) {
    super("policy", issues.map((issue) => `${file}: ${issue}`));
    this.name = "PolicyFileError";
  }
}

/** Reads and validates the policy file; `${NAME}` references resolve from `env`. */
export async function loadPolicy(
  file: string,
  env: Record<string, string | undefined>,
  clock: { now: Date; endedWaivers: "error" | "allow" } = { now: new Date(), endedWaivers: "allow" },
): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PolicyFileError(file, [code === "ENOENT" ? "file not found (set WATCHDOG_POLICY or pass a path)" : `cannot read: ${code ?? String(error)}`]);
  }
  const parsed = parsePolicy(text, { filename: file, env, now: clock.now, endedWaivers: clock.endedWaivers });
  if (!parsed.ok) throw new PolicyFileError(file, parsed.errors.map(formatIssue));
  return parsed.policy;
}
