import type { OidcPolicy } from "../policy/index.js";

/**
 * CircleCI's OIDC token facts (wire-facts.md): one issuer per organisation, and a subject that names the
 * project and the user who triggered the job — with the V2 token, also the VCS origin and ref.
 */

export function circleciIssuer(orgId: string): string {
  return `https://oidc.circleci.com/org/${orgId}`;
}

export interface FederationSubject {
  subject: string;
  /** Absent for a broker role's subject. */
  projectId?: string;
  userId?: string;
  /** oidc.mode: broker — the role whose tokens carry this subject. */
  role?: string;
  /** Only with `branches` (the V2 subject). */
  ref?: string;
}

/** The subject of the broker's tokens for a role (and of the role's federated credential). */
export function brokerRoleSubject(role: string): string {
  return `role:${role}`;
}

const unique = (values: string[]): string[] => [...new Set(values)];

/**
 * Every subject the policy asks for: projectIds × userIds (× refs with `branches`), in policy order.
 * Entra matches subjects exactly, so each combination needs its own federated credential.
 */
export function federationSubjects(orgId: string, oidc: Pick<OidcPolicy, "projectIds" | "userIds" | "branches">): FederationSubject[] {
  const subjects: FederationSubject[] = [];
  for (const projectId of unique(oidc.projectIds)) {
    for (const userId of unique(oidc.userIds)) {
      const base = `org/${orgId}/project/${projectId}/user/${userId}`;
      if (!oidc.branches) {
        subjects.push({ subject: base, projectId, userId });
        continue;
      }
      for (const ref of unique(oidc.branches.refs)) {
        subjects.push({ subject: `${base}/vcs-origin/${oidc.branches.vcsOrigin}/vcs-ref/${ref}`, projectId, userId, ref });
      }
    }
  }
  return subjects;
}
