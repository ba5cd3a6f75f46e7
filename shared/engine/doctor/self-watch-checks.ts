import type { DoctorCheck } from "../../domain/doctor/index.js";
import type { Policy } from "../../domain/policy/index.js";
import { answeredStatus } from "../../ports/ci-secret-store.js";
import type { WatchdogPorts } from "../../ports/index.js";

const tokenRenewal =
  "create a new CircleCI personal API token and store it as a new version of the Key Vault secret CIRCLECI_TOKEN references (az keyvault secret set … --expires <its expiry>)";

/** The CircleCI token itself: accepted, and what the API cannot tell (its scope). A 401 names the likely cause. */
async function tokenChecks(ports: WatchdogPorts, policy: Policy): Promise<DoctorCheck[]> {
  const need = "CircleCI accepts CIRCLECI_TOKEN";
  try {
    await ports.ci.listContexts();
  } catch (error) {
    const status = answeredStatus(error);
    if (status === 401) return [{ need, neededFor: "everything in CircleCI", status: "missing", fix: `the token has most likely expired or been revoked: ${tokenRenewal}`, detail: "401" }];
    // Other failures are the per-context and per-project lines' to explain.
    return [];
  }
  const writes = policy.credentials.some((c) => c.action === "rotate" || c.action === "oidc");
  if (!writes) return [];
  // CircleCI's API has no call that reports a personal token's scope (Read, Write or Admin); a write tells at the first push.
  return [
    { need, neededFor: "everything in CircleCI", status: "present", fix: "" },
    {
      need: "CIRCLECI_TOKEN may write context and project variables",
      neededFor: `rotate/oidc ${policy.credentials.filter((c) => c.action !== "watch").map((c) => c.name).join(", ")}`,
      status: "unverified",
      fix: "CircleCI's API does not tell a token's scope: make sure the token was created with Write (or Admin) scope by a user who may manage the contexts",
    },
  ];
}

/** `selfWatch.circleciTokenSecret`: the secret exists and carries the token's expiry. */
async function tokenSecretChecks(ports: WatchdogPorts, policy: Policy): Promise<DoctorCheck[]> {
  const name = policy.selfWatch.circleciTokenSecret;
  if (!name) return [];
  const need = `Key Vault secret ${name} carries the CircleCI token's expiry`;
  const neededFor = "selfWatch.circleciTokenSecret (alert before the watchdog's own token expires)";
  if (!ports.vault) return [{ need, neededFor, status: "missing", fix: "set KEY_VAULT_URL to the vault that holds the token" }];
  try {
    const secret = (await ports.vault.listSecrets()).find((s) => s.name.toLowerCase() === name.toLowerCase());
    if (!secret) return [{ need, neededFor, status: "missing", fix: `store the token as Key Vault secret ${name} with its expiry (az keyvault secret set --name ${name} --file <token file> --expires <date>)` }];
    if (!secret.expiresOn) {
      return [
        {
          need,
          neededFor,
          status: "unverified",
          fix: `set the secret's expiry to the token's: az keyvault secret set-attributes --name ${name} --expires <date> (tokens made before CircleCI introduced expiry have none: ${tokenRenewal})`,
          detail: "no exp on the secret: the watchdog cannot warn before the token expires",
        },
      ];
    }
    return [{ need, neededFor, status: "present", fix: "", detail: `expires ${secret.expiresOn}` }];
  } catch (error) {
    return [{ need, neededFor, status: "missing", fix: "grant the identity Key Vault Secrets User (or Officer) on the vault", detail: String(answeredStatus(error) ?? "no answer") }];
  }
}

/** `inventory.allProjects`: the undocumented organization project list answers. */
async function coverageChecks(ports: WatchdogPorts, policy: Policy): Promise<DoctorCheck[]> {
  if (!policy.inventory.allProjects) return [];
  const need = "CircleCI's organization project list (undocumented) answers";
  const neededFor = "inventory.allProjects (every project of the organization)";
  try {
    const projects = await ports.ci.listOrganizationProjects();
    return [{ need, neededFor, status: "present", fix: "", detail: `${projects.filter((p) => !p.deleted).length} projects` }];
  } catch (error) {
    return [
      {
        need,
        neededFor,
        status: "missing",
        fix: "project coverage is incomplete (nothing is removed on it): list the projects in inventory.projects, or set inventory.allProjects: false",
        detail: String(answeredStatus(error) ?? "no usable answer"),
      },
    ];
  }
}

/** What the watchdog needs to watch itself: its CircleCI token, the token's expiry in Key Vault, the project coverage. */
export async function selfWatchChecks(ports: WatchdogPorts, policy: Policy): Promise<DoctorCheck[]> {
  const [token, secret, coverage] = await Promise.all([tokenChecks(ports, policy), tokenSecretChecks(ports, policy), coverageChecks(ports, policy)]);
  return [...token, ...secret, ...coverage];
}
