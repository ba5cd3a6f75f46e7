/**
 * The world a rotation test works in: the Entra + Graph, Key Vault and CircleCI emulators over HTTPS on
 * 127.0.0.1 (one set per test file), real adapters pointed at them, and one credential per test case —
 * its own app, CircleCI context (or project) and Key Vault secret — so that cases do not share state.
 *
 *   const sandbox = await startRotationSandbox();
 *   const kase = sandbox.addCredential("c1");            // app with one live password, pushed to CircleCI
 *   const ports = sandbox.ports(store);                   // fresh adapter objects on every call
 *   await rotateCredential(ports, kase.credential, {...});
 *   sandbox.ciValue(kase); sandbox.passwords(kase); sandbox.versions(kase); await sandbox.accepts(kase, value);
 *
 * The emulators keep real time (tokens, password validity); the engine gets an injected clock per case.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { GetTokenOptions, TokenCredential } from "@azure/identity";
import { defaultTlsDir, ensureSandboxTls } from "../../sandbox/core/ca.js";
import { CircleCiEmulator } from "../../sandbox/circleci/index.js";
import { startDirectorySandbox, type DirectorySandbox } from "../../sandbox/entra/index.js";
import { graphRouteNames, type DirectoryApp, type DirectoryPassword } from "../../sandbox/graph/index.js";
import { KeyVaultEmulator, type EmulatedSecretVersion } from "../../sandbox/keyvault/index.js";
import type { CircleWorld, EntraWorld } from "../../sandbox/world/spec.js";
import { createCircleCiStore } from "#shared/adapters/circleci/index.js";
import { createEntraSecretTester } from "#shared/adapters/entra/index.js";
import { createGraphDirectory } from "#shared/adapters/graph/index.js";
import { createKeyVault, type DeletionWait } from "#shared/adapters/keyvault/index.js";
import { createHeartbeat, createWebhookNotifier } from "#shared/adapters/webhooks/index.js";
import type { RotateCredential } from "#shared/domain/policy/index.js";
import { isMintedBy } from "#shared/domain/rotation/index.js";
import type { WatchdogPorts } from "#shared/ports/index.js";
import type { StateStore } from "#shared/ports/state-store.js";

const DAY = 86_400_000;
export const HOUR = 3_600_000;
const tenantId = "7f3c9a52-1b4e-4d2a-9c61-3e8f0b2d4a17";

export interface RotationCase {
  name: string;
  credential: RotateCredential;
  app: DirectoryApp;
  oldKeyId: string;
  oldValue: string;
  /** The seeded Key Vault version that holds the old value (absent with `seedVault: false`). */
  oldVersion?: string;
}

export interface CaseOptions {
  binding?: "context" | "project";
  /** Seed `cci-<name>` with the old value, tagged with its keyId (as the demo world does). Default true. */
  seedVault?: boolean;
  rotation?: Partial<RotateCredential["rotation"]>;
  /** Extra passwords on the app that are not CircleCI's (other consumers). */
  otherPasswords?: number;
}

/** Tokens straight from the emulators' registry: the in-process stand-in for the watchdog's managed identity. */
function registryCredential(directory: DirectorySandbox): TokenCredential {
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions) {
      const scope = Array.isArray(scopes) ? scopes[0]! : scopes;
      const issued = directory.tokens.issue({ audience: scope.replace(/\/\.default$/, ""), tenantId: options?.tenantId ?? tenantId, appId: directory.state.managedIdentity.clientId });
      return { token: issued.token, expiresOnTimestamp: issued.expiresOn * 1000, tokenType: "Bearer" };
    },
  };
}

function password(displayName: string, now: number): DirectoryPassword {
  return {
    keyId: randomUUID(),
    displayName,
    startDateTime: new Date(now - 80 * DAY).toISOString(),
    endDateTime: new Date(now + 10 * DAY).toISOString(),
    secretText: `old~${randomBytes(18).toString("base64url")}`,
  };
}

export class RotationSandbox {
  readonly tenantId = tenantId;

  constructor(
    readonly directory: DirectorySandbox,
    readonly vault: KeyVaultEmulator,
    readonly circleci: CircleCiEmulator,
    private readonly circleWorld: CircleWorld,
  ) {}

  /** Fresh adapter objects (as a second instance of the app would have), with short retry waits. */
  ports(state: StateStore, options: { circleciTimeoutMs?: number; vaultDeletionWait?: Partial<DeletionWait> } = {}): WatchdogPorts {
    const credential = registryCredential(this.directory);
    return {
      ci: createCircleCiStore({
        apiUrl: this.circleci.apiUrl,
        token: this.circleWorld.token,
        orgId: this.circleWorld.org.id,
        retries: 2,
        minTimeoutMs: 5,
        maxTimeoutMs: 20,
        maxRetryAfterSeconds: 2,
        timeoutMs: options.circleciTimeoutMs ?? 2_000,
        jitter: false,
      }),
      directory: createGraphDirectory({ graphUrl: this.directory.graph.url, credential, retry: { retries: 2, minTimeoutMs: 5, maxTimeoutMs: 20, maxRetryAfterMs: 2_000 } }),
      vault: createKeyVault({
        vaultUrl: this.vault.url,
        credential,
        retry: { maxRetries: 2, retryDelayInMs: 5, maxRetryDelayInMs: 20 },
        ...(options.vaultDeletionWait ? { deletionWait: options.vaultDeletionWait } : {}),
      }),
      tester: createEntraSecretTester({ authorityHost: this.directory.entra.url }),
      state,
      notifier: createWebhookNotifier(),
      heartbeat: createHeartbeat(),
    };
  }

  /** Settings for `shared/app` in a child process (the real composition root, DefaultAzureCredential via managed identity). */
  env(stateDir: string): Record<string, string> {
    return {
      ...this.directory.environment,
      ...this.directory.entra.propagationSettings,
      CIRCLECI_TOKEN: this.circleWorld.token,
      CIRCLECI_ORG_ID: this.circleWorld.org.id,
      CIRCLECI_API_URL: this.circleci.apiUrl,
      KEY_VAULT_URL: this.vault.url,
      WATCHDOG_STATE_DIR: stateDir,
    };
  }

  addCredential(name: string, options: CaseOptions = {}): RotationCase {
    const now = Date.now();
    const old = password(`${name} CircleCI`, now);
    const others = Array.from({ length: options.otherPasswords ?? 0 }, (_, i) => password(`${name} other consumer ${i + 1}`, now));
    const app = this.directory.state.addApplication({ displayName: `app-${name}`, passwordCredentials: [old, ...others] });
    const variable = "AZURE_CLIENT_SECRET";
    let circleci: RotateCredential["circleci"];
    if (options.binding === "project") {
      const slug = `gh/acme/${name}`;
      this.circleci.state.addProject({ slug });
      this.circleci.state.setProjectVariable(slug, variable, old.secretText);
      circleci = { project: slug, variable };
    } else {
      this.circleci.state.addContext({ name: `ctx-${name}` });
      this.circleci.state.setContextVariable(`ctx-${name}`, variable, old.secretText);
      circleci = { context: `ctx-${name}`, variable };
    }
    const secretName = `cci-${name}`;
    let oldVersion: string | undefined;
    if (options.seedVault ?? true) {
      oldVersion = this.vault.state.addVersion(secretName, {
        value: old.secretText,
        tags: { appId: app.appId, keyId: old.keyId, managedBy: "secret-watchdog" },
        expiresOn: old.endDateTime,
      }).version.version;
    }
    const credential: RotateCredential = {
      name,
      action: "rotate",
      circleci,
      entra: { appId: app.appId },
      rotation: { validityDays: 90, rotateBeforeDays: 30, overlapHours: 24, ...options.rotation },
      keyVault: { secretName },
    };
    return { name, credential, app, oldKeyId: old.keyId, oldValue: old.secretText, ...(oldVersion ? { oldVersion } : {}) };
  }

  ciValue(kase: RotationCase): string | undefined {
    const binding = kase.credential.circleci;
    return "context" in binding ? this.circleci.state.contextValue(binding.context, binding.variable) : this.circleci.state.projectValue(binding.project, binding.variable);
  }

  passwords(kase: RotationCase): DirectoryPassword[] {
    return this.directory.state.appByAppId(kase.app.appId)?.passwordCredentials ?? [];
  }

  /** Live passwords the watchdog minted for this credential. */
  minted(kase: RotationCase): DirectoryPassword[] {
    return this.passwords(kase).filter((p) => isMintedBy(p.displayName, kase.name));
  }

  /** addPassword calls Graph answered for this case's app (a rotation that resumes well mints once). */
  mintCalls(kase: RotationCase): number {
    return this.directory.graph.log.entries.filter((e) => e.route === graphRouteNames.addPassword && e.status === 200 && e.path.includes(kase.app.id)).length;
  }

  versions(kase: RotationCase): EmulatedSecretVersion[] {
    return this.vault.state.versions(kase.credential.keyVault.secretName);
  }

  /** A client-credentials token request at the Entra emulator, as a pipeline would make it. */
  async accepts(kase: RotationCase, secret: string | undefined): Promise<boolean> {
    if (secret === undefined) return false;
    const form = new URLSearchParams({ client_id: kase.app.appId, client_secret: secret, scope: "https://graph.microsoft.com/.default", grant_type: "client_credentials" });
    const response = await fetch(`${this.directory.entra.url}/${this.tenantId}/oauth2/v2.0/token`, { method: "POST", body: form });
    await response.arrayBuffer();
    return response.status === 200;
  }

  /** Every secret value anywhere in the sandbox: canaries that must never show up in output. */
  allValues(): string[] {
    const vaultValues = this.vault.state.liveSecrets().flatMap((s) => s.versions.map((v) => v.value));
    return [...new Set([...this.directory.state.allSecretValues(), ...vaultValues])];
  }

  clearFaults(): void {
    for (const emulator of [this.directory.graph, this.directory.entra, this.vault, this.circleci]) emulator.faults.clear();
  }

  async close(): Promise<void> {
    await Promise.all([this.directory.close(), this.vault.close(), this.circleci.close()]);
  }
}

export async function startRotationSandbox(): Promise<RotationSandbox> {
  const tls = ensureSandboxTls(defaultTlsDir());
  const entraWorld: EntraWorld = {
    tenantId,
    managedIdentity: { clientId: randomUUID(), principalId: randomUUID(), identityHeader: randomBytes(16).toString("hex") },
    applications: [],
    signIns: [],
    signInReportsAvailable: false,
  };
  const circleWorld: CircleWorld = {
    token: `CCIPAT_${randomBytes(20).toString("hex")}`,
    org: { id: randomUUID(), slug: "gh/acme", name: "acme", vcsType: "github" },
    user: { id: randomUUID(), login: "acme-bot", name: "Acme Bot" },
    contexts: [],
    projects: [],
  };
  const directory = await startDirectorySandbox(entraWorld, tls);
  const vault = new KeyVaultEmulator({ world: { name: "rotation-vault", secrets: [] }, tokens: directory.tokens, tenantId, authorityHost: directory.entra.url });
  const circleci = new CircleCiEmulator(circleWorld);
  await Promise.all([vault.start(tls), circleci.start(tls)]);
  return new RotationSandbox(directory, vault, circleci, circleWorld);
}

/** An injected clock for one case: fixed within a run, moved between runs. */
export class TestClock {
  private at: number;
  constructor(start: Date | number = Date.now()) {
    this.at = typeof start === "number" ? start : start.getTime();
  }
  readonly now = (): Date => new Date(this.at);
  set(ms: number): void {
    this.at = ms;
  }
  advance(ms: number): void {
    this.at += ms;
  }
}
