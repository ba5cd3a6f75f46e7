/** CircleCI's documented limits (wire-facts.md), enforced so clients meet them here before production does. */
export const circleLimits = {
  variablesPerContext: 100,
  contextsPerOrg: 500,
  nameMaxLength: 300,
  valueMaxLength: 32 * 1024,
} as const;

const namePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A reason the name is refused, or undefined when it is acceptable. */
export function invalidVariableName(name: string): string | undefined {
  if (!namePattern.test(name)) {
    return "Invalid environment variable name: it must start with a letter or underscore and contain only letters, digits and underscores.";
  }
  if (name.length > circleLimits.nameMaxLength) {
    return `Invalid environment variable name: it must be at most ${circleLimits.nameMaxLength} characters.`;
  }
  return undefined;
}

/** A reason the value is refused. Never quotes the value: it is a secret. */
export function invalidVariableValue(value: unknown): string | undefined {
  if (typeof value !== "string") return "Invalid request body: \"value\" is required and must be a string.";
  if (value.length > circleLimits.valueMaxLength) {
    return `Invalid environment variable value: it must be at most ${circleLimits.valueMaxLength} characters (got ${value.length}).`;
  }
  return undefined;
}
