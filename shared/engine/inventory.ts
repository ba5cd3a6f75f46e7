import pLimit from "p-limit";
import type { Policy } from "../domain/policy/index.js";
import type { AppPolicyRead, CiContext, CiVariable, ContextRestrictions, EntraApp, ProjectReads, ProjectSource, Snapshot, SourceError, SourceName, VaultSecretInfo } from "../domain/snapshot.js";
import { answeredStatus, type CiSecretStore } from "../ports/ci-secret-store.js";
import type { Directory } from "../ports/directory.js";
import { uniqueBy } from "../domain/unique-by.js";
import type { Vault } from "../ports/vault.js";

export interface InventorySources {
  ci: CiSecretStore;
  directory: Directory;
  /** Absent when no KEY_VAULT_URL is configured. */
  vault?: Vault;
}

export type InventoryProgress =
  | { phase: "contexts"; done: number; total: number }
  | { phase: "projects"; done: number; total: number }
  | { phase: "entra"; apps: number }
  | { phase: "keyvault"; secrets: number };

export interface InventoryOptions {
  now: Date;
  /** Context and project reads started at once (default 64; the adapters bound their own requests in flight). */
  concurrency?: number;
  onProgress?: (progress: InventoryProgress) => void;
}

/**
 * The app management policies of every app a rotate credential binds (a rotation mints there): read with the
 * inventory so the plan can say what a new secret may be. Unreadable evidence is kept as such (never a failed
 * inventory: it removes nothing, and "unknown" is what the plan then says).
 */
async function readAppPolicies(directory: Directory, policy: Policy, apps: EntraApp[]): Promise<AppPolicyRead[]> {
  const bound = new Set(policy.credentials.flatMap((c) => (c.action === "rotate" ? [c.entra.appId.toLowerCase()] : [])));
  const targets = apps.filter((app) => bound.has(app.appId.toLowerCase()));
  const limit = pLimit(4);
  return Promise.all(
    targets.map((app) =>
      limit(async () => {
        try {
          return { appId: app.appId, evidence: await directory.readAppPolicy(app.objectId) };
        } catch (error) {
          return { appId: app.appId, evidence: { readable: false as const, reason: describe(error) } };
        }
      }),
    ),
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface ProjectPlan {
  /** Every project to read, with how it was found. */
  sources: Map<string, Set<ProjectSource>>;
  organizationList: ProjectReads["organizationList"];
  deletedSkipped: number;
}

function found(sources: Map<string, Set<ProjectSource>>, slug: string, from: ProjectSource): void {
  const known = sources.get(slug) ?? new Set<ProjectSource>();
  known.add(from);
  sources.set(slug, known);
}

/** The projects to read: the policy's list, every project a credential binds, the followed ones, the whole organization. */
async function projectsToRead(policy: Policy, ci: CiSecretStore, errors: SourceError[]): Promise<ProjectPlan> {
  const sources = new Map<string, Set<ProjectSource>>();
  for (const slug of policy.inventory.projects) found(sources, slug, "listed");
  for (const credential of policy.credentials) {
    if ("project" in credential.circleci && credential.circleci.project) found(sources, credential.circleci.project, "bound");
  }
  if (policy.inventory.followedProjects) {
    try {
      for (const slug of await ci.listFollowedProjects()) found(sources, slug, "followed");
    } catch (error) {
      errors.push({ source: "circleci", where: "followed projects", message: describe(error) });
    }
  }
  let organizationList: ProjectReads["organizationList"] = "off";
  let deletedSkipped = 0;
  if (policy.inventory.allProjects) {
    try {
      for (const project of await ci.listOrganizationProjects()) {
        if (project.deleted) deletedSkipped += 1;
        else found(sources, project.slug, "organization");
      }
      organizationList = "read";
    } catch (error) {
      // Undocumented endpoint: a failure is a hole in the coverage (incomplete), never "no projects".
      organizationList = "failed";
      errors.push({ source: "circleci", where: "organization projects", message: describe(error) });
    }
  }
  return { sources, organizationList, deletedSkipped };
}

/**
 * Reads every source into one normalized snapshot. CircleCI contexts and projects are read side by side
 * (a project never waits for the context listing), each listing through one bounded pool, and Graph and
 * Key Vault in parallel with them; the adapters pace their own requests to each API's limits. A source
 * that fails is recorded in `errors` and the rest is still read: the plan then knows the snapshot is
 * incomplete and removes nothing on it.
 */
export async function takeInventory(sources: InventorySources, policy: Policy, options: InventoryOptions): Promise<Snapshot> {
  const errors: SourceError[] = [];
  // Scopes (a context: its variables and restrictions; a project: its variables) read at once. The adapters bound
  // and pace each API's requests in flight (CircleCI's grow while it never pushes back): this pool only keeps
  // enough scopes started to feed them, never the thousands of an organization at once.
  const limit = pLimit(options.concurrency ?? 64);
  const fail = (source: SourceName, where: string) => (error: unknown) => {
    errors.push({ source, where, message: describe(error) });
  };

  /** Every variable of each scope, read through the shared pool; a scope that fails is recorded and yields none. */
  const readEach = <T>(scopes: T[], where: (scope: T) => string, read: (scope: T) => Promise<CiVariable[]>, phase: "contexts" | "projects") => {
    let done = 0;
    return Promise.all(
      scopes.map((scope) =>
        limit(async () => {
          try {
            return await read(scope);
          } catch (error) {
            fail("circleci", where(scope))(error);
            return [] as CiVariable[];
          } finally {
            options.onProgress?.({ phase, done: ++done, total: scopes.length });
          }
        }),
      ),
    ).then((lists) => lists.flat());
  };

  // A context's restrictions are read beside its variables. A failed read makes that context's exposure unknown
  // (said so in the plan); it is no source error, as no removal depends on it.
  const readRestrictions = policy.inventory.exposure !== "ignore";
  const restrictionsOf = new Map<string, ContextRestrictions>();
  const readContext = async (context: CiContext): Promise<CiVariable[]> => {
    const restrictionsRead = readRestrictions
      ? sources.ci.listContextRestrictions(context).then(
          (restrictions) => void restrictionsOf.set(context.id, { read: true, restrictions }),
          (error: unknown) => void restrictionsOf.set(context.id, { read: false, problem: describe(error) }),
        )
      : Promise.resolve();
    try {
      return await sources.ci.listContextVariables(context);
    } finally {
      await restrictionsRead;
    }
  };

  const contextsRead = (async () => {
    let contexts: CiContext[] = [];
    try {
      contexts = uniqueBy(await sources.ci.listContexts(), (c) => c.id);
    } catch (error) {
      fail("circleci", "contexts")(error);
    }
    const variables = await readEach(contexts, (c) => `context ${c.name}`, readContext, "contexts");
    const withRestrictions = contexts.map((c) => {
      const restrictions = restrictionsOf.get(c.id);
      return restrictions ? { ...c, restrictions } : c;
    });
    return { contexts: withRestrictions, variables };
  })();

  const projectsRead = (async () => {
    const planned = await projectsToRead(policy, sources.ci, errors);
    const projects = [...planned.sources.keys()].sort();
    const notFound: string[] = [];
    const onlyFromOrganization = (slug: string) => [...(planned.sources.get(slug) ?? [])].every((from) => from === "organization");
    const variables = await readEach(
      projects,
      (slug) => `project ${slug}`,
      async (slug) => {
        try {
          return await sources.ci.listProjectVariables(slug);
        } catch (error) {
          // The organization list also names projects API v2 no longer has (deleted, where the list does not mark
          // them) or that the token's user cannot see: said in the coverage, not a failed read of the inventory.
          if (answeredStatus(error) !== 404 || !onlyFromOrganization(slug)) throw error;
          notFound.push(slug);
          return [];
        }
      },
      "projects",
    );
    const projectReads: ProjectReads = {
      sources: projects.map((slug) => ({ slug, from: [...(planned.sources.get(slug) ?? [])].sort() })),
      organizationList: planned.organizationList,
      deletedSkipped: planned.deletedSkipped,
      notFound: notFound.sort(),
    };
    return { projects, variables, projectReads };
  })();

  const circleci = Promise.all([contextsRead, projectsRead]).then(([c, p]) => ({
    contexts: c.contexts,
    variables: [...c.variables, ...p.variables],
    projects: p.projects,
    projectReads: p.projectReads,
  }));

  const entra = (async () => {
    try {
      const apps = await sources.directory.listApplications();
      options.onProgress?.({ phase: "entra", apps: apps.length });
      return apps;
    } catch (error) {
      fail("entra", "applications")(error);
      return [] as EntraApp[];
    }
  })();

  const keyVault = (async () => {
    if (!sources.vault) return null;
    try {
      const secrets = await sources.vault.listSecrets();
      options.onProgress?.({ phase: "keyvault", secrets: secrets.length });
      return { secrets };
    } catch (error) {
      fail("keyvault", "secrets")(error);
      return { secrets: [] as VaultSecretInfo[] };
    }
  })();

  const policies = entra.then((apps) => readAppPolicies(sources.directory, policy, apps));
  const [ci, apps, vault, appPolicies] = await Promise.all([circleci, entra, keyVault, policies]);
  return {
    takenAt: options.now.toISOString(),
    circleci: ci,
    entra: { apps },
    keyVault: vault,
    ...(appPolicies.length > 0 ? { appPolicies } : {}),
    errors,
  };
}
