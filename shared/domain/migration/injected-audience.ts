/**
 * The experimental `oidc.injectedAudience: project` (pure): which projects' CircleCI OIDC custom `audience` claim
 * the watchdog sets to the federated credentials' audience. It never overwrites an audience someone else set: a
 * project whose claim holds anything else is a conflict, and nothing is changed.
 */

export interface ProjectAudienceRecord {
  projectId: string;
  /** The claim before the watchdog set it (null: none). */
  previous: string[] | null;
  setAt: string;
}

export type InjectedAudiencePlan =
  | { ok: true; set: string[]; inPlace: string[] }
  | { ok: false; message: string; conflicts: Array<{ projectId: string; audience: string[] }> };

const same = (a: string[] | null, audience: string) => a !== null && a.length === 1 && a[0] === audience;

export function planInjectedAudience(input: { credential: string; audience: string; current: Array<{ projectId: string; audience: string[] | null }> }): InjectedAudiencePlan {
  const set: string[] = [];
  const inPlace: string[] = [];
  const conflicts: Array<{ projectId: string; audience: string[] }> = [];
  for (const { projectId, audience } of input.current) {
    if (same(audience, input.audience)) inPlace.push(projectId);
    else if (audience === null || audience.length === 0) set.push(projectId);
    else conflicts.push({ projectId, audience });
  }
  if (conflicts.length === 0) return { ok: true, set, inPlace };
  const lines = conflicts.map((c) => `project ${c.projectId} already has the custom audience ${c.audience.join(", ")}`);
  return {
    ok: false,
    conflicts,
    message:
      `credential ${input.credential}: ${lines.join("; ")}, not ${input.audience}. The watchdog never overwrites an audience someone else set, ` +
      `and other trusts may rely on it. Nothing was changed. Remove oidc.injectedAudience (the pipelines keep circleci run oidc get), or clear that claim.`,
  };
}

/** Whether the watchdog may restore a project's claim on rollback: only while it still holds what the watchdog set. */
export function restorableAudience(current: string[] | null, audience: string): boolean {
  return same(current, audience);
}
