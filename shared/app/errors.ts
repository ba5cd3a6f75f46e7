/**
 * Input the user must fix (settings, policy, arguments). Raised before anything is written anywhere:
 * the CLI exits 2, HTTP answers 400. `issues` are "<where>: <what>" lines without values.
 */
export class BadInputError extends Error {
  constructor(
    readonly kind: "settings" | "policy" | "arguments",
    readonly issues: string[],
  ) {
    super(`invalid ${kind}:\n${issues.map((i) => `  - ${i}`).join("\n")}`);
    this.name = "BadInputError";
  }
}
