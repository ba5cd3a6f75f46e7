import { z } from "zod";
import { ciVariableName, contextName, credentialName, guid, projectSlug } from "./fields.js";
import { evenWithOtherIssues, field, isRecord } from "./loose.js";

/**
 * What a waiver silences: one CircleCI variable (by context or project), one Entra app's secrets (all of them, or
 * one key id), or one credential by the name the plan gives it (a policy name, or a derived key such as
 * "circleci:context:docker-hub:DOCKER_PASSWORD").
 */
export type WaiverMatch =
  | { context: string; variable: string }
  | { project: string; variable: string }
  | { appId: string; keyId?: string }
  | { credential: string };

const matchForms = "one of { context, variable }, { project, variable }, { appId, keyId }, { credential }";

const matchSchema = z
  .strictObject({
    context: contextName.optional(),
    project: projectSlug.optional(),
    variable: ciVariableName.optional(),
    appId: guid.optional(),
    keyId: guid.optional(),
    credential: z.union([credentialName, z.string().regex(/^(entra|circleci):/, { error: "a policy credential name or a derived key (entra:…, circleci:…)" })]).optional(),
  })
  .superRefine((match: unknown, ctx) => {
    if (!isRecord(match)) return;
    const has = (key: string) => field(match, key) !== undefined;
    const keys = ["context", "project", "variable", "appId", "keyId", "credential"].filter(has).sort().join(",");
    const allowed = ["context,variable", "project,variable", "appId", "appId,keyId", "credential"];
    if (!allowed.includes(keys)) ctx.addIssue({ code: "custom", message: `expected ${matchForms}` });
  }, evenWithOtherIssues)
  .transform((match) => match as WaiverMatch);

/** `2027-03-31` (waived through the end of that day, UTC) or a full ISO date-time. */
const untilSchema = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(s) && !Number.isNaN(Date.parse(s)), {
    error: "expected a date like 2027-03-31 (or an ISO date-time)",
  });

const reasonSchema = z.string().refine((s) => s.trim().length > 0, { error: "must say why the finding is accepted" }).pipe(z.string().max(500));

/** One accepted finding (`waivers[]`): silenced in alerts, shown as waived, never acted on differently. */
export const waiverSchema = z.strictObject({
  match: matchSchema,
  reason: reasonSchema,
  until: untilSchema,
  by: z.string().refine((s) => s.trim().length > 0, { error: "must name who accepted it" }).pipe(z.string().max(200)),
});

export type Waiver = z.output<typeof waiverSchema>;

const DAY_MS = 86_400_000;
/** A waiver may reach at most this far ahead: an acceptance is revisited at least once a year. */
export const maxWaiverDays = 365;
/** A waiver about to end raises one alert this many days before. */
export const waiverNoticeDays = 30;

/** When a waiver stops silencing: the end of its `until` day (UTC), or the exact time given. */
export function waiverEndsAt(until: string): Date {
  return /^\d{4}-\d{2}-\d{2}$/.test(until) ? new Date(Date.parse(`${until}T00:00:00.000Z`) + DAY_MS) : new Date(until);
}

export interface WaiverDateIssue {
  index: number;
  problem: "ended" | "too-far";
  message: string;
}

/**
 * The rules that depend on the clock (so `parsePolicy` stays a function of the text): a waiver that has ended, or
 * that reaches more than 365 days ahead. Pure: `now` is a parameter.
 */
export function waiverDateIssues(waivers: readonly Waiver[], now: Date): WaiverDateIssue[] {
  const issues: WaiverDateIssue[] = [];
  waivers.forEach((waiver, index) => {
    const ends = waiverEndsAt(waiver.until);
    if (ends.getTime() <= now.getTime()) {
      issues.push({ index, problem: "ended", message: `ended on ${waiver.until}: the finding alerts again; remove the waiver or renew it (at most ${maxWaiverDays} days ahead)` });
    } else if (ends.getTime() - now.getTime() > (maxWaiverDays + 1) * DAY_MS) {
      issues.push({ index, problem: "too-far", message: `more than ${maxWaiverDays} days ahead: an accepted risk is revisited at least once a year` });
    }
  });
  return issues;
}
