import { suggestName } from "../../domain/plan/policy-snippet.js";
import type { Policy } from "../../domain/policy/index.js";
import type { EntraApp, Snapshot, SourceError } from "../../domain/snapshot.js";
import { azureSecretVariables } from "./azure-variables.js";

/** How app registrations say which CircleCI place holds their secret. */
export const contextTagPrefix = "circleci-context:";
export const projectTagPrefix = "circleci-project:";

export type DiscoveryCandidate = "oidc" | "rotation";

export interface BindingProposal {
  name: string;
  circleci: { context: string; variable: string } | { project: string; variable: string };
  /** The app tagged for this place, when exactly one is. */
  entra?: { appId: string; appName: string };
  /**
   * oidc: a context variable — jobs that use a context get CircleCI OIDC tokens (`circleci run oidc get`),
   * so the secret can be replaced by federation. rotation: a project variable — its jobs may use no
   * context and then get no token, so the secret stays and is rotated.
   */
  candidate: DiscoveryCandidate;
  /** What the proposed policy entry says (oidc needs project and user ids; rotate needs an app and a Key Vault). */
  action: "oidc" | "rotate" | "watch";
  /** Human lines: why, and what to add to go further. */
  notes: string[];
  clientIdVariable?: string;
}

export interface DiscoveryOptions {
  /** CircleCI organization id: named in the notes (the OIDC issuer). */
  orgId: string;
  /** Bindings already in this policy are not proposed again. */
  policy?: Policy;
  /** KEY_VAULT_URL is set: rotation candidates are proposed as `action: rotate`. */
  vaultConfigured: boolean;
  /** CircleCI project and user ids for the oidc blocks; without them OIDC candidates are proposed as `watch`. */
  oidc?: { projectIds: string[]; userIds: string[] };
}

export interface Discovery {
  orgId: string;
  proposals: BindingProposal[];
  /** Azure-looking variables the policy already binds (credential name). */
  alreadyInPolicy: Array<{ credential: string; circleci: BindingProposal["circleci"] }>;
  /** Sources that could not be read: the proposals may be incomplete. */
  sourceErrors: SourceError[];
}

function taggedApps(apps: EntraApp[], tag: string): EntraApp[] {
  const wanted = tag.toLowerCase();
  return apps.filter((app) => app.tags.some((t) => t.toLowerCase() === wanted));
}

const bindingKey = (b: BindingProposal["circleci"]) => ("context" in b ? `context\u0000${b.context}\u0000${b.variable}` : `project\u0000${b.project}\u0000${b.variable}`);

function uniqueName(base: string[], taken: Set<string>): string {
  const first = suggestName(...base.slice(0, 1));
  const candidates = [first, suggestName(...base)];
  for (const c of candidates) if (!taken.has(c)) return c;
  for (let n = 2; ; n++) {
    const c = suggestName(...base, String(n));
    if (!taken.has(c)) return c;
  }
}

function describeApp(app: EntraApp): string {
  return `Entra app "${app.displayName}" (${app.appId})`;
}

/**
 * Proposes policy bindings for the Azure-looking secrets a snapshot shows (pure): which variable, which app
 * (by its `circleci-context:<name>` / `circleci-project:<slug>` tag), and whether OIDC or rotation fits.
 */
export function proposeBindings(snapshot: Snapshot, options: DiscoveryOptions): Discovery {
  const existing = new Map<string, string>();
  for (const credential of options.policy?.credentials ?? []) existing.set(bindingKey(credential.circleci), credential.name);
  const taken = new Set(options.policy?.credentials.map((c) => c.name) ?? []);
  const apps = snapshot.entra.apps;

  const scopes = new Map<string, { circleci: (variable: string) => BindingProposal["circleci"]; label: string; tag: string; kind: DiscoveryCandidate; names: string[] }>();
  for (const variable of snapshot.circleci.variables) {
    const scope = variable.scope;
    const key = scope.kind === "context" ? `context\u0000${scope.contextName}` : `project\u0000${scope.projectSlug}`;
    let entry = scopes.get(key);
    if (!entry) {
      entry =
        scope.kind === "context"
          ? { circleci: (v) => ({ context: scope.contextName, variable: v }), label: scope.contextName, tag: `${contextTagPrefix}${scope.contextName}`, kind: "oidc", names: [] }
          : { circleci: (v) => ({ project: scope.projectSlug, variable: v }), label: scope.projectSlug.split("/").at(-1) ?? scope.projectSlug, tag: `${projectTagPrefix}${scope.projectSlug}`, kind: "rotation", names: [] };
      scopes.set(key, entry);
    }
    entry.names.push(variable.name);
  }

  const proposals: BindingProposal[] = [];
  const alreadyInPolicy: Discovery["alreadyInPolicy"] = [];
  for (const scope of [...scopes.values()].sort((a, b) => a.tag.localeCompare(b.tag))) {
    const matches = taggedApps(apps, scope.tag);
    for (const found of azureSecretVariables(scope.names)) {
      const circleci = scope.circleci(found.variable);
      const bound = existing.get(bindingKey(circleci));
      if (bound) {
        alreadyInPolicy.push({ credential: bound, circleci });
        continue;
      }
      const name = uniqueName([scope.label, found.variable], taken);
      taken.add(name);
      const place = "context" in circleci ? `context ${circleci.context}` : `project ${circleci.project}`;
      const notes: string[] = [];
      const app = matches.length === 1 ? matches[0] : undefined;
      if (app) notes.push(`${describeApp(app)} is tagged ${scope.tag}.`);
      else if (matches.length > 1) notes.push(`Several apps are tagged ${scope.tag} (${matches.map((a) => a.appId).join(", ")}): add entra: { appId: … } with the one whose secret ${found.variable} holds.`);
      else notes.push(`No app registration is tagged ${scope.tag}: tag the app whose secret this is, or add entra: { appId: … }.`);

      let action: BindingProposal["action"] = "watch";
      if (scope.kind === "oidc") {
        notes.unshift(`OIDC candidate: jobs that use ${place} get CircleCI OIDC tokens (issuer https://oidc.circleci.com/org/${options.orgId}), so ${found.variable} can be replaced by federation.`);
        if (app && options.oidc) action = "oidc";
        else if (app) notes.push("To migrate: set action: oidc and add oidc: { projectIds: [<CircleCI project id>], userIds: [<CircleCI user id>] } (the users who trigger the jobs).");
      } else {
        notes.unshift(`Rotation candidate: jobs of ${place} may use no context, and only jobs with a context get OIDC tokens.`);
        if (app && options.vaultConfigured) action = "rotate";
        else if (app) notes.push("To rotate it: set KEY_VAULT_URL, then action: rotate with rotation: {}.");
      }
      proposals.push({
        name,
        circleci,
        ...(app ? { entra: { appId: app.appId, appName: app.displayName } } : {}),
        candidate: scope.kind,
        action,
        notes,
        ...(found.clientIdVariable ? { clientIdVariable: found.clientIdVariable } : {}),
      });
    }
  }
  return { orgId: options.orgId, proposals, alreadyInPolicy, sourceErrors: snapshot.errors };
}
