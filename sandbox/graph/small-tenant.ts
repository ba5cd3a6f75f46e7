import { randomUUID } from "node:crypto";
import type { EntraWorld } from "../world/spec.js";

const DAY = 86_400_000;

export interface SmallTenantOptions {
  /** Number of app registrations, each with one live password (default 5). */
  apps?: number;
  signInReportsAvailable?: boolean;
}

/**
 * A small tenant for tests: apps `app-0` … `app-(n-1)` tagged "watchdog" (even ones also "ci"), each with
 * one password valid from 30 days ago for 60 more days whose value starts with "CANARY" so a test can
 * look for it in anything that must not contain a secret.
 */
export function smallTenantWorld(now: Date, options: SmallTenantOptions = {}): EntraWorld {
  const count = options.apps ?? 5;
  const applications: EntraWorld["applications"] = Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    appId: randomUUID(),
    displayName: `app-${i}`,
    tags: i % 2 === 0 ? ["watchdog", "ci"] : ["watchdog"],
    passwordCredentials: [
      {
        keyId: randomUUID(),
        displayName: `app-${i} CircleCI`,
        startDateTime: new Date(now.getTime() - 30 * DAY).toISOString(),
        endDateTime: new Date(now.getTime() + 60 * DAY).toISOString(),
        secretText: `CANARY${i}Q~${randomUUID().replaceAll("-", "")}`,
      },
    ],
    keyCredentials: [],
  }));
  return {
    tenantId: randomUUID(),
    managedIdentity: { clientId: randomUUID(), principalId: randomUUID(), identityHeader: `identity-header-${randomUUID()}` },
    applications,
    signIns: [],
    signInReportsAvailable: options.signInReportsAvailable ?? true,
  };
}
