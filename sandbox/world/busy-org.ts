import { createHash } from "node:crypto";
import type { WorldSpec } from "./spec.js";

const DAY = 86_400_000;

/** How big the busy organization is: what issue 17 met on a realistic estate. */
export const busyOrgShape = { apps: 300, contexts: 6, variablesPerContext: 10 } as const;

function digest(label: string): string {
  return createHash("sha256").update(`secret-watchdog busy org ${label}`).digest("hex");
}

function guid(label: string): string {
  const h = digest(`guid ${label}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const value = (label: string) => Buffer.from(digest(`value ${label}`), "hex").toString("base64url").slice(0, 40);
const pad = (n: number) => String(n).padStart(3, "0");

/**
 * A new user's organization of realistic size: 300 app registrations whose client secrets expire over the
 * next 30 days (ten a day, each 12 hours short of its whole day so days-left reads as seeded), and 60 secret
 * variables in six contexts untouched for 100 to 400 days. Nothing is in a policy yet: everything the
 * watchdog reports, it finds on its own.
 */
export function busyOrgWorld(now: Date, options: { crossingAfterMs?: number } = {}): WorldSpec {
  const iso = (days: number) => new Date(now.getTime() + days * DAY).toISOString();
  // One secret 14 days and `crossingAfterMs` away: "15 days left" until then, "14" (a threshold) after.
  const endOf = (a: number) =>
    options.crossingAfterMs !== undefined && a === busyOrgShape.apps - 1 ? new Date(now.getTime() + 14 * DAY + options.crossingAfterMs).toISOString() : iso(1 + (a % 30) - 0.5);
  return {
    circleci: {
      token: `CCIPAT_${value("circle token")}`,
      org: { id: guid("org"), slug: "gh/busy", name: "busy", vcsType: "github" },
      user: { id: guid("user"), login: "busy-deployer", name: "Busy Deployer" },
      contexts: Array.from({ length: busyOrgShape.contexts }, (_, c) => ({
        id: guid(`context ${c}`),
        name: `team-${pad(c)}`,
        createdAt: iso(-500),
        variables: Array.from({ length: busyOrgShape.variablesPerContext }, (_, v) => {
          const age = 100 + ((c * busyOrgShape.variablesPerContext + v) * 5) % 300;
          return { name: `SERVICE_${pad(v)}_TOKEN`, value: value(`var ${c} ${v}`), createdAt: iso(-age - 30), updatedAt: iso(-age) };
        }),
        // Each team's context is restricted to its security group: this world is about alert volume, not exposure.
        restrictions: [{ id: guid(`restriction ${c}`), type: "group" as const, value: guid(`group ${c}`), name: `team-${pad(c)}` }],
      })),
      projects: [],
    },
    entra: {
      tenantId: guid("tenant"),
      managedIdentity: { clientId: guid("mi client"), principalId: guid("mi principal"), identityHeader: value("identity header") },
      applications: Array.from({ length: busyOrgShape.apps }, (_, a) => ({
        id: guid(`object ${a}`),
        appId: guid(`app ${a}`),
        displayName: `service-${pad(a)}`,
        passwordCredentials: [
          {
            keyId: guid(`key ${a}`),
            displayName: `service-${pad(a)} CircleCI`,
            startDateTime: iso(-300),
            endDateTime: endOf(a),
            secretText: value(`password ${a}`),
          },
        ],
        keyCredentials: [],
        federatedIdentityCredentials: [],
      })),
      signIns: [],
      signInReportsAvailable: true,
    },
    keyVault: { name: "busy-ci-secrets", secrets: [] },
  };
}

/** The busy organization's policy: no credentials yet, one Slack channel and one generic (machine) receiver. */
export const busyOrgPolicyYaml = `# secret-watchdog policy for the busy sandbox organization (npm start -- --busy-org)
version: 1
inventory:
  maxAgeDays: 90
alerts:
  thresholdsDays: [30, 14, 7, 3, 1]
  webhooks:
    - name: platform-slack
      kind: slack
      url: \${SLACK_WEBHOOK_URL}
    - name: ops
      kind: generic
      url: \${OPS_WEBHOOK_URL}
      signingSecret: \${OPS_WEBHOOK_SECRET}
`;

