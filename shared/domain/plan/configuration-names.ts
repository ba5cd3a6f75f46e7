/**
 * CircleCI never returns values, so a variable's name is all there is to tell a secret from configuration.
 * Identifiers, regions, user names and the like sit beside every secret (AZURE_CLIENT_ID next to
 * AZURE_CLIENT_SECRET); flagging them as long-lived secrets buries the real findings in noise. Names that
 * could hide a secret (…_URL, …_DSN, …_KEY, …_TOKEN) are deliberately not here.
 */
const configurationSuffixes = ["_ID", "_IDS", "_REGION", "_LOCATION", "_USERNAME", "_USER", "_LOGIN", "_REGISTRY", "_HOST", "_PORT", "_ENV", "_ENVIRONMENT", "_NAMESPACE"];
const configurationNames = new Set(["NODE_ENV", "LOG_LEVEL", "TZ", "CI_ENVIRONMENT"]);

export function looksLikeConfiguration(variableName: string): boolean {
  const name = variableName.toUpperCase();
  return configurationNames.has(name) || configurationSuffixes.some((suffix) => name.endsWith(suffix));
}
