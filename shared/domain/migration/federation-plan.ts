import { maxFederatedCredentialsPerApp, type OidcPolicy } from "../policy/index.js";
import { ficDescription, ficName, isOwnedFic } from "./fic-names.js";
import { federationLimitMessage, subjectConflictMessage } from "./federation-messages.js";
import type { BrokerFederation } from "./broker-federation.js";
import { brokerRoleSubject, circleciIssuer, federationSubjects, type FederationSubject } from "./subjects.js";

/** A federated identity credential as Graph lists it (the Directory port's shape). */
export interface ObservedFic {
  id: string;
  name: string;
  issuer: string;
  subject: string;
  audiences: string[];
  description?: string | null;
}

/** A FIC the policy wants on the app. */
export interface WantedFic {
  name: string;
  issuer: string;
  subject: string;
  audience: string;
  description: string;
  from: FederationSubject;
}

export interface FederationInput {
  credential: string;
  oidc: Pick<OidcPolicy, "projectIds" | "userIds" | "audience" | "branches"> & { mode?: OidcPolicy["mode"] };
  orgId: string;
  /** oidc.mode: broker — the broker's issuer and the role (see brokerFederation). */
  broker?: BrokerFederation | null;
  /** Every FIC on the app now, the watchdog's and everyone else's. */
  existing: ObservedFic[];
  /** For messages: "Entra app terraform-ci (5555…)". */
  appLabel: string;
  limit?: number;
}

export type FederationBlock = "fic-limit" | "fic-conflict";

export type FederationPlan =
  | {
      ok: true;
      wanted: WantedFic[];
      /** The watchdog's FICs that already match exactly. */
      keep: ObservedFic[];
      create: WantedFic[];
      /** The watchdog's FICs this credential no longer wants (or that someone edited): removed before anything is created. */
      remove: ObservedFic[];
      /** Subjects someone else's FIC already federates with the same audience: nothing to create, and never removed by the watchdog. */
      coveredByOthers: Array<{ subject: string; fic: ObservedFic }>;
      /** FICs the watchdog does not own (they count toward the per-app limit). */
      foreign: ObservedFic[];
      /** FICs on the app once the plan is carried out. */
      total: number;
      limit: number;
    }
  | { ok: false; kind: FederationBlock; message: string; wanted: WantedFic[]; foreign: ObservedFic[]; limit: number };

const sameAudiences = (fic: ObservedFic, audience: string) => fic.audiences.length === 1 && fic.audiences[0] === audience;

function identical(fic: ObservedFic, wanted: WantedFic): boolean {
  // The description is for people and does not change who may sign in: an edited one is left alone.
  return fic.name === wanted.name && fic.issuer === wanted.issuer && fic.subject === wanted.subject && sameAudiences(fic, wanted.audience);
}

/** What the federated credentials trust: CircleCI's subjects, or in broker mode the one role subject of the broker's issuer. */
function trusted(input: Pick<FederationInput, "oidc" | "orgId" | "broker">): { issuer: string; subjects: FederationSubject[] } {
  if (input.oidc.mode !== "broker") return { issuer: circleciIssuer(input.orgId), subjects: federationSubjects(input.orgId, input.oidc) };
  // Never an empty wish list in broker mode: that would remove the role's federated credential.
  if (!input.broker) throw new Error("oidc.mode: broker without the broker's issuer and role (see brokerFederation)");
  return { issuer: input.broker.issuer, subjects: [{ subject: brokerRoleSubject(input.broker.role), role: input.broker.role }] };
}

export function wantedFics(input: Pick<FederationInput, "credential" | "oidc" | "orgId" | "broker">): WantedFic[] {
  const { issuer, subjects } = trusted(input);
  const { audience } = input.oidc;
  return subjects.map((from) => ({
    name: ficName(input.credential, { issuer, subject: from.subject, audience }),
    issuer,
    subject: from.subject,
    audience,
    description: ficDescription(input.credential),
    from,
  }));
}

/**
 * What to change on the app so that it federates exactly the policy's subjects (pure). Refuses — changing
 * nothing — when the result would exceed Entra's per-app limit (counting FICs the watchdog does not own) or
 * when another FIC already holds a wanted issuer+subject with a different audience (Entra allows one per pair).
 */
export function planFederation(input: FederationInput): FederationPlan {
  const limit = input.limit ?? maxFederatedCredentialsPerApp;
  const wanted = wantedFics(input);
  const ours = input.existing.filter((fic) => isOwnedFic(input.credential, fic.name));
  const foreign = input.existing.filter((fic) => !isOwnedFic(input.credential, fic.name));

  const keep: ObservedFic[] = [];
  const create: WantedFic[] = [];
  const coveredByOthers: Array<{ subject: string; fic: ObservedFic }> = [];
  const conflicts: Array<{ wanted: WantedFic; fic: ObservedFic }> = [];
  for (const fic of wanted) {
    const taken = foreign.find((other) => other.issuer === fic.issuer && other.subject === fic.subject);
    if (taken) {
      if (sameAudiences(taken, fic.audience)) coveredByOthers.push({ subject: fic.subject, fic: taken });
      else conflicts.push({ wanted: fic, fic: taken });
      continue;
    }
    const mine = ours.find((existing) => identical(existing, fic));
    if (mine) keep.push(mine);
    else create.push(fic);
  }
  if (conflicts.length > 0) {
    return { ok: false, kind: "fic-conflict", message: subjectConflictMessage(input.credential, input.appLabel, conflicts), wanted, foreign, limit };
  }
  const total = foreign.length + keep.length + create.length;
  if (total > limit) {
    const message = federationLimitMessage({
      credential: input.credential,
      appLabel: input.appLabel,
      oidc: input.oidc,
      needed: keep.length + create.length,
      foreign: foreign.length,
      limit,
    });
    return { ok: false, kind: "fic-limit", message, wanted, foreign, limit };
  }
  const remove = ours.filter((fic) => !keep.includes(fic));
  return { ok: true, wanted, keep, create, remove, coveredByOthers, foreign, total, limit };
}
