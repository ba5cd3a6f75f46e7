/**
 * The world an OIDC-migration test works in: the whole sandbox (`startSandbox` over the demo world: CircleCI,
 * Entra + Graph, Key Vault) on 127.0.0.1, real adapters built with the production factories and
 * `DefaultAzureCredential` on the emulated managed identity, and one app + CircleCI context per test case so
 * that cases do not share state. One sandbox per test file (MSAL caches the identity endpoint per process).
 *
 *   const sandbox = await startMigrationSandbox();
 *   const kase = sandbox.addCase("m1", { userIds: 2 });
 *   await migrateCredential(sandbox.ports(store), kase.credential, sandbox.migrateOptions(clock, {...}));
 *   sandbox.fics(kase); sandbox.contextValue(kase, "AZURE_CLIENT_ID"); await sandbox.signIn(kase);
 */
import { randomBytes, randomUUID } from "node:crypto";
import { DefaultAzureCredential } from "@azure/identity";
import { startSandbox, type Sandbox } from "../../sandbox/start.js";
import { demoWorld } from "../../sandbox/world/demo.js";
import type { WorldSpec } from "../../sandbox/world/spec.js";
import type { DirectoryApp, DirectoryFederatedCredential, DirectoryPassword } from "../../sandbox/graph/index.js";
import { createCircleCiStore } from "#shared/adapters/circleci/index.js";
import { createEntraSecretTester } from "#shared/adapters/entra/index.js";
import { createGraphDirectory } from "#shared/adapters/graph/index.js";
import { createKeyVault } from "#shared/adapters/keyvault/index.js";
import { createHeartbeat, createWebhookNotifier } from "#shared/adapters/webhooks/index.js";
import { credentialSchema, type OidcCredential } from "#shared/domain/policy/index.js";
import { HOUR_MS } from "#shared/domain/time.js";
import { defaultSignInReportingLagHours } from "#shared/app/settings.js";
import type { WatchdogPorts } from "#shared/ports/index.js";
import type { StateStore } from "#shared/ports/state-store.js";
import type { MigrateOptions } from "#shared/engine/migration/index.js";
import { instantPropagation } from "./rotation-scenario.js";

export const DAY = 86_400_000;

export interface CaseOptions {
  /** How many CircleCI projects and users (fresh ids) the oidc block names. */
  projects?: number;
  users?: number;
  audience?: string;
  branches?: { vcsOrigin: string; refs: string[] };
  retireAfterQuietDays?: number;
  binding?: "context" | "project";
  /** Extra passwords of other consumers on the app (the secret is then not identifiable without a record). */
  otherPasswords?: number;
  /** FICs someone else created on the app before the migration. */
  foreignFics?: Array<Omit<DirectoryFederatedCredential, "id" | "description"> & { description?: string }>;
}

export interface MigrationCase {
  name: string;
  credential: OidcCredential;
  app: DirectoryApp;
  /** The context (or project slug) that holds the secret. */
  place: string;
  variable: string;
  secret: { keyId: string; value: string };
  projectIds: string[];
  userIds: string[];
}

function password(displayName: string): DirectoryPassword {
  const now = Date.now();
  return {
    keyId: randomUUID(),
    displayName,
    startDateTime: new Date(now - 60 * DAY).toISOString(),
    endDateTime: new Date(now + 120 * DAY).toISOString(),
    secretText: `mig~${randomBytes(24).toString("base64url")}`,
  };
}

/** The engine's clock for one case: fixed within a run, moved between runs. The emulators keep real time. */
export class TestClock {
  private at: number;
  constructor(start: number = Date.now()) {
    this.at = start;
  }
  readonly now = (): Date => new Date(this.at);
  advance(ms: number): void {
    this.at += ms;
  }
}

export class MigrationSandbox {
  readonly orgId: string;
  readonly tenantId: string;
  private readonly credential = new DefaultAzureCredential();

  constructor(
    readonly sandbox: Sandbox,
    readonly world: WorldSpec,
  ) {
    this.orgId = world.circleci.org.id;
    this.tenantId = world.entra.tenantId;
  }

  /** Fresh adapter objects (as another instance of the app would have), with short retry waits. */
  ports(state: StateStore): WatchdogPorts {
    const env = this.sandbox.env;
    return {
      ci: createCircleCiStore({
        apiUrl: env.CIRCLECI_API_URL!,
        token: env.CIRCLECI_TOKEN!,
        orgId: this.orgId,
        retries: 2,
        minTimeoutMs: 5,
        maxTimeoutMs: 20,
        maxRetryAfterSeconds: 1,
        timeoutMs: 5_000,
        jitter: false,
      }),
      directory: createGraphDirectory({ graphUrl: env.GRAPH_API_URL!, credential: this.credential, retry: { retries: 2, minTimeoutMs: 5, maxTimeoutMs: 20, maxRetryAfterMs: 1_000 } }),
      vault: createKeyVault({ vaultUrl: env.KEY_VAULT_URL!, credential: this.credential, retry: { maxRetries: 2, retryDelayInMs: 5, maxRetryDelayInMs: 20 } }),
      tester: createEntraSecretTester({ authorityHost: env.AZURE_AUTHORITY_HOST! }),
      state,
      notifier: createWebhookNotifier(),
      heartbeat: createHeartbeat(),
    };
  }

  migrateOptions(clock: TestClock, extra: Partial<MigrateOptions> = {}): MigrateOptions {
    const signInReportingLagMs = defaultSignInReportingLagHours * HOUR_MS;
    return { orgId: this.orgId, tenantId: this.tenantId, now: clock.now, actor: "timer", snapshotComplete: true, signInReportingLagMs, propagation: instantPropagation, ...extra };
  }

  /** An app with the secret's password, the CircleCI place holding its value, and the policy credential (parsed as the policy file would be). */
  addCase(name: string, options: CaseOptions = {}): MigrationCase {
    const secret = password(`${name} CircleCI`);
    const others = Array.from({ length: options.otherPasswords ?? 0 }, (_, i) => password(`${name} other consumer ${i + 1}`));
    const foreign = (options.foreignFics ?? []).map((f) => ({ id: randomUUID(), description: null, ...f }));
    const app = this.sandbox.directory.state.addApplication({ displayName: `app-${name}`, passwordCredentials: [secret, ...others], federatedIdentityCredentials: foreign });
    const variable = "AZURE_CLIENT_SECRET";
    let circleci: Record<string, string>;
    let place: string;
    if (options.binding === "project") {
      place = `gh/acme/${name}`;
      this.sandbox.circleci.state.addProject({ slug: place });
      this.sandbox.circleci.state.setProjectVariable(place, variable, secret.secretText);
      circleci = { project: place, variable };
    } else {
      place = `ctx-${name}`;
      this.sandbox.circleci.state.addContext({ name: place });
      this.sandbox.circleci.state.setContextVariable(place, variable, secret.secretText);
      circleci = { context: place, variable };
    }
    const projectIds = Array.from({ length: options.projects ?? 1 }, () => randomUUID());
    const userIds = Array.from({ length: options.users ?? 1 }, () => randomUUID());
    const parsed = credentialSchema.parse({
      name,
      circleci,
      entra: { appId: app.appId },
      action: "oidc",
      oidc: {
        projectIds,
        userIds,
        ...(options.audience ? { audience: options.audience } : {}),
        ...(options.branches ? { branches: options.branches } : {}),
        ...(options.retireAfterQuietDays ? { retireAfterQuietDays: options.retireAfterQuietDays } : {}),
      },
    });
    if (parsed.action !== "oidc") throw new Error("not an oidc credential");
    return { name, credential: parsed, app, place, variable, secret: { keyId: secret.keyId, value: secret.secretText }, projectIds, userIds };
  }

  fics(kase: MigrationCase): DirectoryFederatedCredential[] {
    return this.sandbox.directory.state.appByAppId(kase.app.appId)?.federatedIdentityCredentials ?? [];
  }

  passwords(kase: MigrationCase): DirectoryPassword[] {
    return this.sandbox.directory.state.appByAppId(kase.app.appId)?.passwordCredentials ?? [];
  }

  /** A variable's value where the secret lives (tests only: the API never returns context values). */
  value(kase: MigrationCase, variable: string): string | undefined {
    const state = this.sandbox.circleci.state;
    return "project" in kase.credential.circleci ? state.projectValue(kase.place, variable) : state.contextValue(kase.place, variable);
  }

  /** A client-credentials token request, as a pipeline still on the secret makes it (Entra records the sign-in). */
  async signIn(kase: MigrationCase, secret: string | undefined = this.value(kase, kase.variable)): Promise<boolean> {
    if (secret === undefined) return false;
    const form = new URLSearchParams({ client_id: kase.app.appId, client_secret: secret, scope: "https://graph.microsoft.com/.default", grant_type: "client_credentials" });
    const response = await fetch(`${this.sandbox.env.AZURE_AUTHORITY_HOST}/${this.tenantId}/oauth2/v2.0/token`, { method: "POST", body: form });
    await response.arrayBuffer();
    return response.status === 200;
  }

  /** Every secret value anywhere in the sandbox now: none may show up in an outcome, the journal or the audit. */
  canaries(): string[] {
    const vault = this.sandbox.keyVault.state.liveSecrets().flatMap((s) => s.versions.map((v) => v.value));
    return [...new Set([...this.sandbox.directory.state.allSecretValues(), ...vault, this.world.circleci.token, this.world.entra.managedIdentity.identityHeader])];
  }

  /** Successful Graph requests on a route for this case's app. */
  graphCalls(kase: MigrationCase, route: string, status?: number): number {
    return this.sandbox.log.count((e) => e.emulator === "graph" && e.route === route && e.path.includes(kase.app.id) && (status === undefined || e.status === status));
  }

  /** Arms `knobs` on an emulator route once `successes` requests on it have succeeded: a failure part-way through a step. */
  failAfter(route: string, successes: number, knobs: Parameters<Sandbox["circleci"]["faults"]["set"]>[1]): void {
    const log = this.sandbox.log;
    const record = log.record.bind(log);
    let seen = 0;
    log.record = (entry) => {
      record(entry);
      if (entry.route !== route || entry.status >= 400) return;
      seen += 1;
      if (seen === successes) {
        for (const emulator of [this.sandbox.directory.graph, this.sandbox.circleci, this.sandbox.keyVault]) emulator.faults.set(route, knobs);
        log.record = record;
      }
    };
  }

  clearFaults(): void {
    for (const emulator of [this.sandbox.directory.graph, this.sandbox.directory.entra, this.sandbox.circleci, this.sandbox.keyVault]) emulator.faults.clear();
  }

  async close(): Promise<void> {
    await this.sandbox.close();
    delete process.env.IDENTITY_ENDPOINT;
    delete process.env.IDENTITY_HEADER;
  }
}

export async function startMigrationSandbox(): Promise<MigrationSandbox> {
  const world = demoWorld(new Date());
  const sandbox = await startSandbox(world);
  // DefaultAzureCredential finds the managed identity through these; MSAL caches the endpoint per process.
  for (const name of Object.keys(process.env)) if (name.startsWith("AZURE_")) delete process.env[name];
  process.env.IDENTITY_ENDPOINT = sandbox.env.IDENTITY_ENDPOINT;
  process.env.IDENTITY_HEADER = sandbox.env.IDENTITY_HEADER;
  return new MigrationSandbox(sandbox, world);
}
