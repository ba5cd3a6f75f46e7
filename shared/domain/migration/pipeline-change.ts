import type { BrokerFederation } from "./broker-federation.js";

/**
 * The exact change a pipeline needs to sign in with CircleCI's OIDC token instead of the client secret,
 * as text for the plan, the CLI and alerts. The watchdog cannot edit .circleci/config.yml; it says what to write.
 */

export const clientIdVariable = "AZURE_CLIENT_ID";
export const tenantIdVariable = "AZURE_TENANT_ID";

export interface PipelineChangeInput {
  audience: string;
  orgId: string;
  /** The policy scopes to branches: the subjects are V2 ones. */
  branches: boolean;
  /** Where the secret lives now. */
  target: { kind: "context"; context: string } | { kind: "project"; project: string };
  /** The secret's variable, e.g. AZURE_CLIENT_SECRET. */
  variable: string;
  retireAfterQuietDays: number;
  /** Experimental: the projects' CircleCI custom audience claim is set to the audience (oidc.injectedAudience). */
  injectedAudience?: boolean;
  /** The credential's name, for commands in notes. */
  credential?: string;
  /** oidc.mode: broker — the job trades its CircleCI token at the broker for a token of the role. */
  broker?: BrokerFederation | null;
}

/** How the job gets a token whose `aud` and `sub` the federated credentials accept. */
export function tokenCommand(input: Pick<PipelineChangeInput, "audience" | "orgId" | "branches" | "broker">): string {
  if (input.broker) {
    // The CircleCI token is asked for the broker's audience (never the org id's: the broker refuses it); the broker's answer is for Entra.
    return [
      `CCI=$(circleci run oidc get --claims '${JSON.stringify({ aud: input.broker.audience })}')`,
      `TOKEN=$(curl -sSf -X POST "${input.broker.issuer}/token" --data-urlencode "token=$CCI" --data-urlencode "role=${input.broker.role}" | jq -r .token)`,
    ].join("\n");
  }
  // CircleCI's own tokens carry the org id as audience; only `circleci run oidc get` can ask for another.
  if (input.audience === input.orgId) return input.branches ? `TOKEN="$CIRCLE_OIDC_TOKEN_V2"` : `TOKEN="$CIRCLE_OIDC_TOKEN"`;
  return `TOKEN=$(circleci run oidc get --claims '${JSON.stringify({ aud: input.audience })}')`;
}

export const loginCommand = `az login --service-principal -u $${clientIdVariable} -t $${tenantIdVariable} --federated-token "$TOKEN"`;

/** Caveats that make the change fail silently if ignored. */
function warnings(input: PipelineChangeInput): string[] {
  const out: string[] = [];
  if (!input.broker && input.branches && input.audience !== input.orgId) {
    out.push(
      `Note: the federated credentials use the V2 subject (…/vcs-origin/…/vcs-ref/…), which CircleCI documents for $CIRCLE_OIDC_TOKEN_V2 — ` +
        `a token whose audience is the org id. With oidc.audience ${input.audience}, check that your token carries the V2 subject, ` +
        `or set oidc.audience to the org id (${input.orgId}) to use $CIRCLE_OIDC_TOKEN_V2.`,
    );
  }
  if (!input.broker && input.injectedAudience && input.audience !== input.orgId) {
    out.push(
      `Experimental: the projects' CircleCI OIDC custom claims now carry audience ${input.audience}. CircleCI does not document whether ` +
        `$CIRCLE_OIDC_TOKEN then carries it: keep the circleci run oidc get step until a job's token is confirmed with ` +
        `watchdog oidc check-token ${input.credential ?? "<name>"} (paste $CIRCLE_OIDC_TOKEN on stdin).`,
    );
  }
  if (input.target.kind === "project") {
    out.push("Note: CircleCI issues OIDC tokens only to jobs that use at least one context: add a context to the job if it has none.");
  }
  return out;
}

/** Terraform's azurerm provider reads ARM_* variables rather than az's login. */
function terraformLines(variable: string): string[] {
  if (!variable.startsWith("ARM_")) return [];
  return [
    "# Terraform (azurerm) reads ARM_* variables instead of az's login:",
    `echo "export ARM_USE_OIDC=true ARM_OIDC_TOKEN=$TOKEN ARM_CLIENT_ID=$${clientIdVariable} ARM_TENANT_ID=$${tenantIdVariable}" >> "$BASH_ENV"`,
  ];
}

export function pipelineChange(input: PipelineChangeInput): string {
  const where = input.target.kind === "context" ? `context ${input.target.context}` : `project ${input.target.project}`;
  const via = input.broker ? ` through the watchdog's OIDC broker (role ${input.broker.role})` : "";
  return [
    `Switch every job that uses CircleCI ${where} from the client secret to OIDC${via}.`,
    `${clientIdVariable} and ${tenantIdVariable} are set in ${where}; replace the login step with:`,
    `       - run:`,
    `           name: Azure login (OIDC)`,
    `           command: |`,
    ...tokenCommand(input).split("\n").map((line) => `             ${line}`),
    `             ${loginCommand}`,
    ...terraformLines(input.variable).map((line) => `             ${line}`),
    `Then stop using $${input.variable}: the watchdog removes it, and the client secret, once the secret has had no sign-in for ` +
      `${input.retireAfterQuietDays} day${input.retireAfterQuietDays === 1 ? "" : "s"}.`,
    ...warnings(input),
  ].join("\n");
}
