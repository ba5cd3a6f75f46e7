import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Alert, AlertSource } from "#shared/domain/alert.js";
import { decideAlerts, type LedgerEntry } from "#shared/domain/alerts/index.js";
import type { Finding, WatchedCredential } from "#shared/domain/finding.js";

const DAY = 86_400_000;
const thresholdsDays = [30, 14, 7, 3, 1];
const start = new Date("2026-03-01T06:00:00.000Z");
const dayAt = (n: number) => new Date(start.getTime() + n * DAY);

const prodSource: AlertSource = {
  circleci: { context: "prod-deploy", variable: "AZURE_CLIENT_SECRET" },
  entra: { appId: "11111111-2222-3333-4444-555555555555", appName: "deploy-prod", keyId: "aaaa-1111", credentialType: "password" },
  keyVault: { secretName: "cci-prod-deploy" },
};

interface ExpiringSecret {
  credential: string;
  bound: boolean;
  source: AlertSource;
  expiresAt: Date;
}

/** What the plan would say about one Entra secret on a given day (the plan's own rule: within 30 days is "expiring"). */
function observe(secret: ExpiringSecret, now: Date): { credentials: WatchedCredential[]; findings: Finding[] } {
  const daysLeft = Math.ceil((secret.expiresAt.getTime() - now.getTime()) / DAY);
  const status = daysLeft <= 0 ? "expired" : daysLeft <= 30 ? "expiring" : "ok";
  const watched: WatchedCredential = {
    credential: secret.credential,
    bound: secret.bound,
    action: secret.bound ? "rotate" : undefined,
    source: secret.source,
    status,
    expiresAt: secret.expiresAt.toISOString(),
    daysLeft,
  };
  const nextStep = secret.bound ? `watchdog rotate ${secret.credential}` : `credentials:\n  - name: new-one\n    entra: { appId: ${secret.source.entra?.appId} }`;
  const findings: Finding[] =
    status === "ok"
      ? []
      : [
          {
            id: `${status}:${secret.credential}`,
            kind: status,
            severity: status === "expired" || daysLeft <= 7 ? "critical" : "warning",
            credential: secret.credential,
            bound: secret.bound,
            source: secret.source,
            expiresAt: secret.expiresAt.toISOString(),
            daysLeft,
            message: `${secret.credential} expires in ${daysLeft} days`,
            nextStep,
          },
        ];
  return { credentials: [watched], findings };
}

/** The ledger as the outbox would keep it: decisions applied after each cycle. */
class Ledger {
  readonly entries = new Map<string, LedgerEntry>();
  readonly raised: Alert[] = [];

  cycle(input: { credentials: WatchedCredential[]; findings: Finding[]; now: Date; complete?: boolean }): Alert[] {
    const decisions = decideAlerts({ ...input, ledger: [...this.entries.values()], thresholdsDays, complete: input.complete ?? true });
    for (const entry of decisions.ledger.put) this.entries.set(entry.credential, entry);
    for (const credential of decisions.ledger.remove) this.entries.delete(credential);
    this.raised.push(...decisions.raise);
    return decisions.raise;
  }
}

const summary = (alerts: Alert[]) => alerts.map((a) => (a.kind === "expiring" ? `expiring:${a.threshold}` : a.kind));

describe("threshold crossings", () => {
  const secret: ExpiringSecret = { credential: "prod-deploy", bound: true, source: prodSource, expiresAt: dayAt(10) };

  it("first seen at 10 days raises one alert for 14, not 30 and 14; later at 6 days one for 7", () => {
    const ledger = new Ledger();
    expect(summary(ledger.cycle({ ...observe(secret, dayAt(0)), now: dayAt(0) }))).toEqual(["expiring:14"]);
    expect(ledger.cycle({ ...observe(secret, dayAt(1)), now: dayAt(1) })).toEqual([]);
    expect(summary(ledger.cycle({ ...observe(secret, dayAt(4)), now: dayAt(4) }))).toEqual(["expiring:7"]);
  });

  it("a secret watched daily from 45 days out gets each threshold once, then one expired alert", () => {
    const ledger = new Ledger();
    const long = { ...secret, expiresAt: dayAt(45) };
    for (let day = 0; day <= 50; day++) {
      // Hourly cycles: the same day seen several times raises nothing more.
      for (const hour of [0, 1, 2]) ledger.cycle({ ...observe(long, dayAt(day + hour / 24)), now: dayAt(day + hour / 24) });
    }
    expect(summary(ledger.raised)).toEqual(["expiring:30", "expiring:14", "expiring:7", "expiring:3", "expiring:1", "expired"]);
    expect(new Set(ledger.raised.map((a) => a.id)).size).toBe(ledger.raised.length);
  });

  it("a credential first seen already expired gets one expired alert per expiry date", () => {
    const ledger = new Ledger();
    const gone = { ...secret, expiresAt: dayAt(-3) };
    for (let day = 0; day < 5; day++) ledger.cycle({ ...observe(gone, dayAt(day)), now: dayAt(day) });
    expect(summary(ledger.raised)).toEqual(["expired"]);
    expect(ledger.raised[0]).toMatchObject({ severity: "critical", daysLeft: -3, expiresAt: dayAt(-3).toISOString() });
  });

  it("an alert names the credential, its source, the days left and what to do", () => {
    const [alert] = new Ledger().cycle({ ...observe(secret, dayAt(4)), now: dayAt(4) });
    expect(alert).toMatchObject({
      kind: "expiring",
      credential: "prod-deploy",
      source: prodSource,
      daysLeft: 6,
      threshold: 7,
      expiresAt: dayAt(10).toISOString(),
      nextStep: "watchdog rotate prod-deploy",
      raisedAt: dayAt(4).toISOString(),
      severity: "critical",
    });
    expect(alert!.title).toBe("prod-deploy: client secret expires in 6 days (within 7 days)");
    expect(alert!.id).toMatch(/^msg_[0-9a-f]{32}$/);
  });
});

describe("rotation and resolution", () => {
  const secret: ExpiringSecret = { credential: "prod-deploy", bound: true, source: prodSource, expiresAt: dayAt(10) };

  it("a rotated credential (new expiry date) gets one resolved notice and later starts afresh", () => {
    const ledger = new Ledger();
    ledger.cycle({ ...observe(secret, dayAt(0)), now: dayAt(0) });
    ledger.cycle({ ...observe(secret, dayAt(4)), now: dayAt(4) });
    const rotated = { ...secret, source: { ...prodSource, entra: { ...prodSource.entra!, keyId: "bbbb-2222" } }, expiresAt: dayAt(95) };
    for (let day = 5; day <= 7; day++) ledger.cycle({ ...observe(rotated, dayAt(day)), now: dayAt(day) });
    expect(summary(ledger.raised)).toEqual(["expiring:14", "expiring:7", "resolved"]);
    expect(ledger.entries.size).toBe(0);
    const resolved = ledger.raised[2]!;
    expect(resolved).toMatchObject({ kind: "resolved", severity: "info", credential: "prod-deploy" });

    // 66 days later the new secret is within 30 days: the thresholds count again, with new ids.
    ledger.cycle({ ...observe(rotated, dayAt(66)), now: dayAt(66) });
    expect(summary(ledger.raised.slice(3))).toEqual(["expiring:30"]);
    expect(ledger.raised[3]!.expiresAt).toBe(dayAt(95).toISOString());
  });

  it("a rotation to a secret that is itself within a threshold alerts for the new date without a resolved notice", () => {
    const ledger = new Ledger();
    ledger.cycle({ ...observe(secret, dayAt(4)), now: dayAt(4) });
    const shortLived = { ...secret, expiresAt: dayAt(25) };
    ledger.cycle({ ...observe(shortLived, dayAt(5)), now: dayAt(5) });
    expect(summary(ledger.raised)).toEqual(["expiring:7", "expiring:30"]);
    expect(ledger.raised[0]!.id).not.toBe(ledger.raised[1]!.id);
  });

  it("a credential whose reported secret flips between two dates hears about each date and threshold once", () => {
    // Found by the property below: 30 days for date A, then date B (expired), then date A again.
    const ledger = new Ledger();
    const a = { ...secret, expiresAt: dayAt(23) };
    const b = { ...secret, expiresAt: dayAt(4) };
    ledger.cycle({ ...observe(a, dayAt(0)), now: dayAt(0) });
    ledger.cycle({ ...observe(b, dayAt(4)), now: dayAt(4) });
    ledger.cycle({ ...observe(a, dayAt(5)), now: dayAt(5) });
    expect(summary(ledger.raised)).toEqual(["expiring:30", "expired"]);
  });

  it("raises the resolved notice once, however many cycles follow", () => {
    const ledger = new Ledger();
    ledger.cycle({ ...observe(secret, dayAt(0)), now: dayAt(0) });
    const fixed = { ...secret, expiresAt: dayAt(200) };
    for (let day = 1; day <= 10; day++) ledger.cycle({ ...observe(fixed, dayAt(day)), now: dayAt(day) });
    expect(summary(ledger.raised)).toEqual(["expiring:14", "resolved"]);
  });

  it("resolves a credential gone from a complete snapshot, never one missing from an incomplete snapshot", () => {
    const ledger = new Ledger();
    ledger.cycle({ ...observe(secret, dayAt(0)), now: dayAt(0) });
    for (let day = 1; day <= 3; day++) ledger.cycle({ credentials: [], findings: [], now: dayAt(day), complete: false });
    expect(summary(ledger.raised)).toEqual(["expiring:14"]);
    expect(ledger.entries.has("prod-deploy")).toBe(true);

    ledger.cycle({ credentials: [], findings: [], now: dayAt(4), complete: true });
    expect(summary(ledger.raised)).toEqual(["expiring:14", "resolved"]);
    expect(ledger.raised[1]!.source).toEqual(prodSource);
  });

  it("on an incomplete snapshot, a credential listed without its expiry is not taken as resolved", () => {
    const ledger = new Ledger();
    ledger.cycle({ ...observe(secret, dayAt(0)), now: dayAt(0) });
    const undated: WatchedCredential = { credential: "prod-deploy", bound: true, action: "rotate", source: prodSource, status: "ok" };
    ledger.cycle({ credentials: [undated], findings: [], now: dayAt(1), complete: false });
    expect(summary(ledger.raised)).toEqual(["expiring:14"]);
    // The same picture on a complete snapshot is believed.
    ledger.cycle({ credentials: [undated], findings: [], now: dayAt(2), complete: true });
    expect(summary(ledger.raised)).toEqual(["expiring:14", "resolved"]);
  });

  it("an incomplete snapshot still raises alerts for what it can see", () => {
    const ledger = new Ledger();
    expect(summary(ledger.cycle({ ...observe(secret, dayAt(0)), now: dayAt(0), complete: false }))).toEqual(["expiring:14"]);
  });
});

describe("long-lived, not-found and unbound credentials", () => {
  const variableSource: AlertSource = { circleci: { context: "notifications", variable: "PAGERDUTY_ROUTING_KEY" } };

  function longLived(lastChangedAt: Date, now: Date, credential = "circleci:context:notifications:PAGERDUTY_ROUTING_KEY") {
    const ageDays = Math.floor((now.getTime() - lastChangedAt.getTime()) / DAY);
    const isOld = ageDays > 90;
    const watched: WatchedCredential = {
      credential,
      bound: false,
      source: variableSource,
      status: isOld ? "long-lived" : "ok",
      ageDays,
      lastChangedAt: lastChangedAt.toISOString(),
    };
    const findings: Finding[] = isOld
      ? [
          {
            id: `long-lived:${credential}`,
            kind: "long-lived",
            severity: "warning",
            credential,
            bound: false,
            source: variableSource,
            ageDays,
            message: `unchanged for ${ageDays} days`,
            nextStep: "credentials:\n  - name: pagerduty\n    circleci: { context: notifications, variable: PAGERDUTY_ROUTING_KEY }\n    action: watch",
          },
        ]
      : [];
    return { credentials: [watched], findings, now };
  }

  it("a CircleCI variable becoming long-lived raises one alert per last change", () => {
    const ledger = new Ledger();
    const changed = dayAt(-88);
    for (let day = 0; day <= 10; day++) ledger.cycle(longLived(changed, dayAt(day)));
    expect(summary(ledger.raised)).toEqual(["long-lived"]);
    const [alert] = ledger.raised;
    expect(alert).toMatchObject({ ageDays: 91, source: variableSource, severity: "warning" });
    // Unbound: the next step is the policy snippet from the finding.
    expect(alert!.nextStep).toContain("circleci: { context: notifications, variable: PAGERDUTY_ROUTING_KEY }");

    // Changed (resolved), then old again: a new alert for the new last change.
    const rechanged = dayAt(11);
    ledger.cycle(longLived(rechanged, dayAt(11)));
    ledger.cycle(longLived(rechanged, dayAt(103)));
    ledger.cycle(longLived(rechanged, dayAt(104)));
    expect(summary(ledger.raised)).toEqual(["long-lived", "resolved", "long-lived"]);
    expect(ledger.raised[2]!.id).not.toBe(ledger.raised[0]!.id);
  });

  it("a bound credential that points at nothing alerts once until it is found again", () => {
    const ledger = new Ledger();
    const missing = (now: Date) => ({
      credentials: [{ credential: "legacy-reports", bound: true, action: "watch" as const, source: prodSource, status: "not-found" as const }],
      findings: [
        {
          id: "not-found:legacy-reports",
          kind: "not-found" as const,
          severity: "warning" as const,
          credential: "legacy-reports",
          bound: true,
          source: prodSource,
          message: "context legacy-reports has no AZURE_CLIENT_SECRET",
          nextStep: "Create AZURE_CLIENT_SECRET in context legacy-reports, or fix the policy.",
        },
      ],
      now,
    });
    for (let day = 0; day < 4; day++) ledger.cycle(missing(dayAt(day)));
    expect(summary(ledger.raised)).toEqual(["not-found"]);
    expect(ledger.raised[0]!.nextStep).toBe("Create AZURE_CLIENT_SECRET in context legacy-reports, or fix the policy.");

    ledger.cycle({ ...observe({ credential: "legacy-reports", bound: true, source: prodSource, expiresAt: dayAt(300) }, dayAt(5)), now: dayAt(5) });
    ledger.cycle(missing(dayAt(9)));
    expect(summary(ledger.raised)).toEqual(["not-found", "resolved", "not-found"]);
    expect(new Set(ledger.raised.map((a) => a.id)).size).toBe(3);
  });

  it("an unbound not-found is not an alert (only policy bindings can point at nothing)", () => {
    const ledger = new Ledger();
    const watched: WatchedCredential = { credential: "entra:x:y", bound: false, source: prodSource, status: "not-found" };
    expect(ledger.cycle({ credentials: [watched], findings: [], now: dayAt(0) })).toEqual([]);
  });

  it("unbound expiring Entra secrets alert too, with the policy snippet as the next step", () => {
    const ledger = new Ledger();
    const unbound: ExpiringSecret = {
      credential: "entra:66666666-7777-8888-9999-aaaaaaaaaaaa:key-1",
      bound: false,
      source: { entra: { appId: "66666666-7777-8888-9999-aaaaaaaaaaaa", keyId: "key-1" } },
      expiresAt: dayAt(20),
    };
    const [alert] = ledger.cycle({ ...observe(unbound, dayAt(0)), now: dayAt(0) });
    expect(alert).toMatchObject({ kind: "expiring", threshold: 30, credential: unbound.credential });
    expect(alert!.nextStep).toMatch(/^credentials:\n/);
  });
});

describe("passwords a rotation superseded", () => {
  it("raise nothing while retiring (the plan marks them, with no finding), and an open episode is resolved", () => {
    const ledger = new Ledger();
    const old: ExpiringSecret = {
      credential: "entra:11111111-2222-3333-4444-555555555555:old-key",
      bound: false,
      source: { entra: { appId: "11111111-2222-3333-4444-555555555555", keyId: "old-key" } },
      expiresAt: dayAt(10),
    };
    // Before the rotation the old password was news: one alert for 14.
    expect(summary(ledger.cycle({ ...observe(old, dayAt(0)), now: dayAt(0) }))).toEqual(["expiring:14"]);
    // After it, the plan lists it as retiring with no finding: no threshold alert, one resolved notice.
    const retiring = (now: Date) => {
      const seen = observe(old, now);
      return { credentials: seen.credentials.map((c) => ({ ...c, retiring: true })), findings: [], now };
    };
    expect(summary(ledger.cycle(retiring(dayAt(4))))).toEqual(["resolved"]);
    expect(summary(ledger.cycle(retiring(dayAt(8))))).toEqual([]);
  });
});

describe("alert ids", () => {
  it("are the same for the same decision, whatever the time of the cycle", () => {
    const secret: ExpiringSecret = { credential: "prod-deploy", bound: true, source: prodSource, expiresAt: dayAt(10) };
    const a = decideAlerts({ ...observe(secret, dayAt(0)), ledger: [], thresholdsDays, complete: true, now: dayAt(0) });
    const b = decideAlerts({ ...observe(secret, dayAt(1)), ledger: [], thresholdsDays, complete: true, now: dayAt(1) });
    expect(a.raise[0]!.id).toBe(b.raise[0]!.id);
    expect(a.raise[0]!.raisedAt).not.toBe(b.raise[0]!.raisedAt);
  });

  it("within one episode never repeat, and resolved notices only ever close an episode", () => {
    // Days advance by 0-3 per cycle; a secret may be rotated to a new date, vanish, or the snapshot be incomplete.
    const step = fc.record({
      advance: fc.integer({ min: 0, max: 3 }),
      rotateTo: fc.option(fc.integer({ min: -2, max: 60 }), { freq: 6 }),
      hidden: fc.boolean(),
      complete: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.integer({ min: -3, max: 60 }), fc.array(step, { minLength: 1, maxLength: 60 }), (firstExpiry, steps) => {
        const ledger = new Ledger();
        let day = 0;
        let secret: ExpiringSecret = { credential: "prod-deploy", bound: true, source: prodSource, expiresAt: dayAt(firstExpiry) };
        for (const s of steps) {
          day += s.advance;
          if (s.rotateTo !== null) secret = { ...secret, expiresAt: dayAt(day + s.rotateTo) };
          const seen = s.hidden ? { credentials: [], findings: [] } : observe(secret, dayAt(day));
          ledger.cycle({ ...seen, now: dayAt(day), complete: s.complete || !s.hidden });
        }
        // An episode runs from the first alert to its resolved notice (a credential that vanished and came
        // back with the same date opens a new episode and may repeat an id, which receivers then de-duplicate).
        const episodes: Alert[][] = [[]];
        for (const alert of ledger.raised) {
          if (alert.kind === "resolved") {
            if (episodes.at(-1)!.length === 0) return false;
            episodes.push([]);
          } else {
            episodes.at(-1)!.push(alert);
          }
        }
        return episodes.every((episode) => {
          const keys = episode.map((a) => `${a.kind}|${a.expiresAt}|${a.threshold}`);
          return new Set(keys).size === keys.length && new Set(episode.map((a) => a.id)).size === episode.length;
        });
      }),
      { numRuns: 1000 },
    );
  });
});
