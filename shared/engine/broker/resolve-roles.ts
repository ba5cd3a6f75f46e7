import type { ResolvedAllow } from "../../domain/broker/rules.js";
import type { BrokerPolicy } from "../../domain/policy/index.js";
import type { CiSecretStore } from "../../ports/ci-secret-store.js";

export interface ResolvedRole {
  name: string;
  appId: string;
  allow: ResolvedAllow;
}

export type RoleResolution = { ok: true; roles: ResolvedRole[] } | { ok: false; issues: string[] };

/**
 * Project slugs and context names of the broker's roles, turned into the ids CircleCI tokens carry. A name that
 * resolves to nothing is an error naming its path: a role that silently lost a project or context would refuse
 * (or, for a misspelt context, never be grantable) without saying why.
 */
export async function resolveRoles(
  broker: BrokerPolicy,
  ci: Pick<CiSecretStore, "listContexts" | "getProjectId">,
  options: { only?: string } = {},
): Promise<RoleResolution> {
  const issues: string[] = [];
  // Indices stay the policy's, so that an issue names the role's own path.
  const wanted = broker.roles.map((role, r) => ({ role, r })).filter(({ role }) => options.only === undefined || role.name === options.only);
  const needsContexts = wanted.some(({ role }) => role.allow.contexts);
  const contexts = needsContexts ? await ci.listContexts() : [];
  const slugs = [...new Set(wanted.flatMap(({ role }) => role.allow.projects ?? []))];
  const projectIds = new Map<string, string | null>();
  for (const slug of slugs) projectIds.set(slug, await ci.getProjectId(slug));

  const roles = wanted.map(({ role, r }): ResolvedRole => {
    const path = `broker.roles[${r}].allow`;
    const fromSlugs = (role.allow.projects ?? []).flatMap((slug, i) => {
      const id = projectIds.get(slug);
      if (!id) issues.push(`${path}.projects[${i}]: CircleCI has no project ${slug} (or the token cannot see it)`);
      return id ? [id.toLowerCase()] : [];
    });
    const contextIds = role.allow.contexts?.flatMap((name, i) => {
      const found = contexts.filter((context) => context.name === name);
      if (found.length === 0) issues.push(`${path}.contexts[${i}]: the organization has no context named ${name}`);
      return found.map((context) => context.id.toLowerCase());
    });
    return {
      name: role.name,
      appId: role.app.appId,
      allow: {
        projectIds: [...new Set([...(role.allow.projectIds ?? []), ...fromSlugs])],
        ...(role.allow.branches ? { branches: role.allow.branches } : {}),
        ...(role.allow.vcsOrigin ? { vcsOrigin: role.allow.vcsOrigin } : {}),
        ...(contextIds ? { contextIds } : {}),
        sshRerun: role.allow.sshRerun,
      },
    };
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, roles };
}
