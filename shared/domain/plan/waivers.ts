import type { Finding, WaiverMark, WaiverStatus, WatchedCredential } from "../finding.js";
import { waiverEndsAt, waiverNoticeDays, type Waiver, type WaiverMatch } from "../policy/waiver-schema.js";

const DAY_MS = 86_400_000;

function same(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase();
}

/** Whether a waiver's match names this credential (CircleCI names compare exactly, GUIDs case-insensitively). */
export function waiverMatches(match: WaiverMatch, credential: WatchedCredential): boolean {
  const { circleci, entra } = credential.source;
  if ("credential" in match) return credential.credential === match.credential;
  if ("context" in match) return circleci?.context === match.context && circleci.variable === match.variable;
  if ("project" in match) return circleci?.project === match.project && circleci.variable === match.variable;
  return same(entra?.appId, match.appId) && (match.keyId === undefined || same(entra?.keyId, match.keyId));
}

function stateAt(waiver: Waiver, now: Date): WaiverStatus["state"] {
  const ends = waiverEndsAt(waiver.until).getTime();
  if (ends <= now.getTime()) return "ended";
  return ends - now.getTime() <= waiverNoticeDays * DAY_MS ? "ending" : "active";
}

/**
 * Marks what the policy's waivers concern: an active waiver marks a credential and its findings `active` (no
 * alert; the plan, report and --json show reason, by and until); an ended one marks them `ended` (they alert
 * again, as new). Steps are untouched: a waiver silences, it never changes what the watchdog does. Pure.
 */
export function applyWaivers(
  credentials: readonly WatchedCredential[],
  findings: readonly Finding[],
  waivers: readonly Waiver[],
  now: Date,
): { credentials: WatchedCredential[]; findings: Finding[]; waivers: WaiverStatus[] } {
  const statuses: WaiverStatus[] = waivers.map((waiver, index) => ({ waiver: index, match: waiver.match, reason: waiver.reason, by: waiver.by, until: waiver.until, state: stateAt(waiver, now), matches: 0 }));
  if (waivers.length === 0) return { credentials: [...credentials], findings: [...findings], waivers: statuses };

  const marks = new Map<string, WaiverMark>();
  const marked = credentials.map((credential) => {
    let mark: WaiverMark | undefined;
    for (const status of statuses) {
      if (!waiverMatches(status.match, credential)) continue;
      status.matches += 1;
      const candidate: WaiverMark = { state: status.state === "ended" ? "ended" : "active", reason: status.reason, by: status.by, until: status.until, waiver: status.waiver };
      // An active waiver wins over an ended one; the first of each kind counts.
      if (!mark || (mark.state === "ended" && candidate.state === "active")) mark = candidate;
    }
    if (!mark) return credential;
    marks.set(credential.credential, mark);
    return { ...credential, waiver: mark };
  });
  return {
    credentials: marked,
    findings: findings.map((finding) => {
      const mark = marks.get(finding.credential);
      return mark ? { ...finding, waiver: mark } : finding;
    }),
    waivers: statuses,
  };
}
