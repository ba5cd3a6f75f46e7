/**
 * Settings the watchdog treats as secrets of its own: its CircleCI token, its storage connection, its
 * identity's credentials, and anything named like a secret. `${NAME}` may put one of them only into a policy
 * field that is itself a secret (never shown in plans, reports, alerts or logs); anywhere else it would print
 * the watchdog's own credential next to a credential's name.
 */
const secretSettingNames = new Set(["CIRCLECI_TOKEN", "IDENTITY_HEADER", "AZURE_CLIENT_SECRET"]);
const secretSettingPattern = /^AzureWebJobsStorage(__.*)?$|_(SECRET|TOKEN|KEY|PASSWORD)$/i;

export function isSecretSetting(name: string): boolean {
  return secretSettingNames.has(name) || secretSettingPattern.test(name);
}

// Webhook URLs and the heartbeat URL carry their receiver's credential; signing secrets are secrets.
const secretFieldPaths = [/^alerts\.webhooks\[\d+\]\.(url|signingSecret)$/, /^selfWatch\.heartbeatUrl$/];

/** Whether the policy field at `path` (formatted, `alerts.webhooks[0].url`) holds a secret. */
export function isSecretField(path: string): boolean {
  return secretFieldPaths.some((pattern) => pattern.test(path));
}
