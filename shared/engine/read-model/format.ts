/**
 * What one cycle (or an on-demand refresh) read and decided, as the read model keeps it in the state table
 * `reads` for readers (GET /api/plan, /api/inventory, /api/report, `--cached`; later doctor and health).
 *
 * Versioned and tolerant: the pointer record carries `format`; a reader accepts its own format and ignores
 * fields and parts it does not know, so that later additions (new finding kinds, new parts) never make an
 * older instance fail. Each part is checked only for the shape its readers rely on; a part that does not
 * have it counts as unreadable, i.e. as nothing stored (fail closed: the reader then refreshes).
 */
import { z } from "zod";
import type { Plan } from "../../domain/finding.js";
import type { Snapshot } from "../../domain/snapshot.js";
import type { CycleReport } from "../cycle.js";
import type { PendingRotation } from "../rotation/index.js";

export const READ_FORMAT = 1;

/** Who stored it: a cycle (the timer, `watchdog run`) or an on-demand refresh (`?refresh=true`, nothing stored yet). */
export type ReadOrigin = "cycle" | "refresh";

export const readParts = ["snapshot", "plan", "progress", "result"] as const;
/** Parts are stored and loaded separately, so that GET /api/plan never decodes the (much larger) snapshot. */
export type ReadPart = (typeof readParts)[number];

/** Rotation journals that were not finished when the read was stored (the status page's progress column). */
export interface ReadProgress {
  rotations: PendingRotation[];
}

/** The cycle's own result: what it did (rotations, migrations, alerts, failures). The plan is its own part. */
export type CycleResult = Omit<CycleReport, "plan">;

export interface ReadParts {
  snapshot: Snapshot;
  plan: Plan;
  progress: ReadProgress;
  /** Only when a cycle stored it. */
  result?: CycleResult;
}

/** What a reader is told about the read it is served (the `read` field of the answers, the page header). */
export interface ReadInfo {
  /** When the sources were read: the snapshot's takenAt. */
  takenAt: string;
  /** false when a source could not be read (the plan's sourceErrors say which). */
  complete: boolean;
  origin: ReadOrigin;
  /** When it was stored. */
  storedAt: string;
}

export interface PartInfo {
  chunks: number;
  /** Length of the part's JSON, before compression. */
  bytes: number;
  /** Of the compressed bytes: a torn or mixed read is detected, never served. */
  sha256: string;
}

/** The `latest` record: which stored read is current, and how its parts are split. */
export interface ReadPointer extends ReadInfo {
  format: number;
  /** `<takenAt, compact>-<random>`: orders stored reads by when they were taken. */
  id: string;
  parts: Partial<Record<ReadPart, PartInfo>>;
}

const partInfoSchema = z.object({ chunks: z.int().min(1), bytes: z.int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) });

const pointerSchema = z.object({
  format: z.int(),
  id: z.string().min(1).max(60),
  origin: z.enum(["cycle", "refresh"]),
  takenAt: z.iso.datetime({ offset: true }),
  storedAt: z.iso.datetime({ offset: true }),
  complete: z.boolean(),
  parts: z.record(z.string(), z.unknown()),
});

export type PointerParse = { ok: true; pointer: ReadPointer } | { ok: false; problem: string };

export function parsePointer(value: unknown): PointerParse {
  const parsed = pointerSchema.safeParse(value);
  if (!parsed.success) return { ok: false, problem: `not a stored-read pointer (${parsed.error.issues.map((i) => `${i.path.join(".") || "(record)"}: ${i.message}`).join("; ")})` };
  if (parsed.data.format !== READ_FORMAT) return { ok: false, problem: `stored in format ${parsed.data.format}, this watchdog reads format ${READ_FORMAT}` };
  const parts: ReadPointer["parts"] = {};
  for (const part of readParts) {
    const raw = parsed.data.parts[part];
    if (raw === undefined) continue;
    const info = partInfoSchema.safeParse(raw);
    if (!info.success) return { ok: false, problem: `part ${part}: malformed` };
    parts[part] = info.data;
  }
  return { ok: true, pointer: { ...parsed.data, parts } };
}

// The shape each reader relies on; everything else passes through untouched (loose objects, unknown kinds).
const list = z.array(z.unknown());
const partSchemas: { [P in ReadPart]: z.ZodType } = {
  snapshot: z.looseObject({
    takenAt: z.string(),
    circleci: z.looseObject({ contexts: list, variables: list, projects: list }),
    entra: z.looseObject({ apps: list }),
    keyVault: z.looseObject({ secrets: list }).nullable(),
    errors: list,
  }),
  plan: z.looseObject({
    generatedAt: z.string(),
    complete: z.boolean(),
    sourceErrors: list,
    credentials: z.array(z.looseObject({ credential: z.string(), status: z.string(), source: z.looseObject({}) })),
    findings: list,
    steps: list,
    summary: z.looseObject({}),
  }),
  progress: z.looseObject({ rotations: z.array(z.looseObject({ credential: z.string(), state: z.string() })) }),
  result: z.looseObject({ startedAt: z.string(), finishedAt: z.string(), failures: list }),
};

/** Checks a decoded part; the problem names the part and the path, never a value. */
export function checkPart<P extends ReadPart>(part: P, value: unknown): { ok: true; value: ReadParts[P] } | { ok: false; problem: string } {
  const parsed = partSchemas[part].safeParse(value);
  if (!parsed.success) return { ok: false, problem: `part ${part}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(part)"}: ${i.message}`).join("; ")}` };
  // Checked above for what readers use; the rest is this watchdog's own output, passed through as stored.
  return { ok: true, value: value as ReadParts[P] };
}

/**
 * The snapshot as stored: Graph's `hint` (the first characters of a password's value) is left out. It is not
 * secret by Graph's design, but the state store holds no part of any value.
 */
export function storableSnapshot(snapshot: Snapshot): Snapshot {
  return {
    ...snapshot,
    entra: { apps: snapshot.entra.apps.map((app) => ({ ...app, passwords: app.passwords.map(({ hint: _hint, ...password }) => password) })) },
  };
}
