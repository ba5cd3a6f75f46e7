import { createHash } from "node:crypto";
import type { CircleWorld, EntraWorld, VaultWorld, WorldSpec } from "./spec.js";

const DAY = 86_400_000;

/** How much of everything a generated world holds. */
export interface WorldShape {
  contexts: number;
  variablesPerContext: number;
  projects: number;
  variablesPerProject: number;
  apps: number;
  passwordsPerApp: number;
  vaultSecrets: number;
}

export type WorldSize = "small" | "medium" | "large";

/** The large world is an estate at CircleCI's own ceiling (500 contexts per org); medium is a fifth of it, small a fiftieth. */
export const worldShapes: Record<WorldSize, WorldShape> = {
  small: { contexts: 10, variablesPerContext: 20, projects: 6, variablesPerProject: 10, apps: 60, passwordsPerApp: 2, vaultSecrets: 60 },
  medium: { contexts: 100, variablesPerContext: 20, projects: 60, variablesPerProject: 10, apps: 600, passwordsPerApp: 2, vaultSecrets: 600 },
  large: { contexts: 500, variablesPerContext: 20, projects: 300, variablesPerProject: 10, apps: 3000, passwordsPerApp: 2, vaultSecrets: 3000 },
};

export interface GeneratedWorld {
  shape: WorldShape;
  world: WorldSpec;
  /** A policy (YAML) that reads every project of the world and watches a few of its credentials. */
  policyYaml: string;
}

const orgName = "bench-org";

function digest(label: string): Buffer {
  return createHash("sha256").update(`secret-watchdog generated ${label}`).digest();
}

/** A GUID-shaped id, the same for the same label on every run. */
function guid(label: string): string {
  const h = digest(`guid ${label}`).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A stand-in secret value: only the emulators ever hold it. */
function value(label: string, length = 40): string {
  return digest(`value ${label}`).toString("base64url").slice(0, length);
}

const pad = (n: number) => String(n).padStart(4, "0");
/** A spread of ages (days) so that some variables are long-lived and some secrets near expiry. */
const spread = (i: number, modulo: number, offset = 0) => ((i * 37 + offset) % modulo) + 1;

function circleWorld(shape: WorldShape, now: Date): CircleWorld {
  const iso = (days: number) => new Date(now.getTime() - days * DAY).toISOString();
  return {
    token: `CCIPAT_${value("circle token")}`,
    org: { id: guid("org"), slug: `gh/${orgName}`, name: orgName, vcsType: "github" },
    user: { id: guid("user"), login: "bench-deployer", name: "Bench Deployer" },
    contexts: Array.from({ length: shape.contexts }, (_, c) => ({
      id: guid(`context ${c}`),
      name: `context-${pad(c)}`,
      createdAt: iso(400 + (c % 50)),
      variables: Array.from({ length: shape.variablesPerContext }, (_, v) => {
        const age = spread(c * shape.variablesPerContext + v, 365);
        return { name: `VAR_${pad(v)}`, value: value(`context ${c} var ${v}`), createdAt: iso(age + 30), updatedAt: iso(age) };
      }),
    })),
    projects: Array.from({ length: shape.projects }, (_, p) => ({
      slug: `gh/${orgName}/service-${pad(p)}`,
      id: guid(`project ${p}`),
      name: `service-${pad(p)}`,
      followed: p % 2 === 0,
      variables: Array.from({ length: shape.variablesPerProject }, (_, v) => ({
        name: `PROJECT_VAR_${pad(v)}`,
        value: value(`project ${p} var ${v}`),
        createdAt: iso(spread(p * shape.variablesPerProject + v, 500)),
      })),
    })),
  };
}

function entraWorld(shape: WorldShape, now: Date): EntraWorld {
  const iso = (days: number) => new Date(now.getTime() + days * DAY).toISOString();
  return {
    tenantId: guid("tenant"),
    managedIdentity: { clientId: guid("managed identity"), principalId: guid("managed identity principal"), identityHeader: value("identity header", 32) },
    applications: Array.from({ length: shape.apps }, (_, a) => ({
      id: guid(`app object ${a}`),
      appId: guid(`app ${a}`),
      displayName: `bench-app-${pad(a)}`,
      tags: [],
      passwordCredentials: Array.from({ length: shape.passwordsPerApp }, (_, k) => ({
        keyId: guid(`app ${a} password ${k}`),
        displayName: `bench-app-${pad(a)} secret ${k}`,
        startDateTime: iso(-spread(a, 300, k)),
        endDateTime: iso(spread(a, 400, k * 11) - 30),
        secretText: `${value(`app ${a} password ${k} prefix`, 3)}8Q~${value(`app ${a} password ${k}`, 37)}`,
      })),
      keyCredentials: [],
      federatedIdentityCredentials: [],
    })),
    signIns: [],
    signInReportsAvailable: false,
  };
}

function vaultWorld(shape: WorldShape, now: Date, entra: EntraWorld): VaultWorld {
  const iso = (days: number) => new Date(now.getTime() + days * DAY).toISOString();
  return {
    name: "bench-vault",
    secrets: Array.from({ length: shape.vaultSecrets }, (_, s) => {
      const app = entra.applications[s % Math.max(1, entra.applications.length)];
      const password = app?.passwordCredentials[0];
      const tags: Record<string, string> = app && password ? { appId: app.appId, keyId: password.keyId, managedBy: "secret-watchdog" } : {};
      return {
        name: `cci-secret-${pad(s)}`,
        versions: [
          {
            value: value(`vault ${s}`),
            contentType: "text/plain",
            tags,
            enabled: true,
            expiresOn: iso(spread(s, 400) - 30),
            createdOn: iso(-spread(s, 300)),
          },
        ],
      };
    }),
  };
}

function policyYaml(shape: WorldShape, circle: CircleWorld, entra: EntraWorld): string {
  const projects = circle.projects.map((p) => `    - ${p.slug}`).join("\n");
  // A few watched credentials; one binds a project variable of a project the list already names, so the
  // inventory must read that project once, not twice.
  const watched = Math.min(3, shape.contexts, shape.apps);
  const credentials = Array.from({ length: watched }, (_, i) =>
    [
      `  - name: watched-${i}`,
      `    circleci: { context: ${circle.contexts[i]!.name}, variable: VAR_0000 }`,
      `    entra: { appId: ${entra.applications[i]!.appId} }`,
      `    action: watch`,
    ].join("\n"),
  );
  if (circle.projects.length > 0 && shape.variablesPerProject > 0) {
    credentials.push([`  - name: watched-project`, `    circleci: { project: ${circle.projects[0]!.slug}, variable: PROJECT_VAR_0000 }`, `    action: watch`].join("\n"));
  }
  return [
    "version: 1",
    "inventory:",
    "  maxAgeDays: 90",
    projects ? `  projects:\n${projects}` : "  projects: []",
    credentials.length > 0 ? `credentials:\n${credentials.join("\n")}` : "credentials: []",
    "",
  ].join("\n");
}

/**
 * A world of the given shape: contexts, projects, app registrations with their passwords and Key Vault
 * secrets, all named and dated deterministically (relative to `now`), plus a policy that reads it all.
 */
export function generateWorld(shape: WorldShape, now: Date): GeneratedWorld {
  const circleci = circleWorld(shape, now);
  const entra = entraWorld(shape, now);
  const keyVault = vaultWorld(shape, now, entra);
  return { shape, world: { circleci, entra, keyVault }, policyYaml: policyYaml(shape, circleci, entra) };
}
