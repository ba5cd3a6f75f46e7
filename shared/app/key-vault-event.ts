import { z } from "zod";
import { BadInputError } from "./errors.js";

/**
 * A Key Vault event as Event Grid delivers it to the keyVaultEvents function, in either delivery schema.
 *
 * Source: learn.microsoft.com/azure/event-grid/event-schema-key-vault ("Azure Key Vault as Event Grid source",
 * github.com/MicrosoftDocs/azure-docs articles/event-grid/event-schema-key-vault.md). Its samples, in the Event Grid
 * schema (`eventType`, `topic`, `eventTime`, `dataVersion`, `metadataVersion`) and the CloudEvents 1.0 schema
 * (`type`, `source`, `time`, `specversion`), carry `data` as
 *   { "Id": "https://sample-kv.vault.azure.net/secrets/newsecret/ee05…", "VaultName": "sample-kv", "ObjectType": "Secret",
 *     "ObjectName ": "newsecret", "Version": " ee05…", "NBF": "1559081980", "EXP": "1559082102" }
 * — a key with a trailing space, a value with a leading one, numbers as strings — while the translated copies of the
 * page spell the keys `vaultName`, `objectType`, … and the @azure/eventgrid models type NBF/EXP as numbers. So data
 * keys match whatever their case and surrounding spaces, string values are trimmed, and NBF/EXP are Unix seconds as
 * a number or a numeric string (absent or null on a secret without them). Keys we do not know are ignored, as the
 * page's "practices for consuming events" ask.
 */

/** The event types the watchdog reacts to; every other type (keys, certificates, access policies) is logged and ignored. */
export const keyVaultSecretEventTypes = ["Microsoft.KeyVault.SecretNearExpiry", "Microsoft.KeyVault.SecretExpired", "Microsoft.KeyVault.SecretNewVersionCreated"] as const;
export type KeyVaultSecretEventType = (typeof keyVaultSecretEventTypes)[number];

export interface KeyVaultSecretObject {
  /** `https://<vault>.vault.azure.net/secrets/<name>/<version>`. */
  id: string;
  /** The vault's name (the first label of its host), not a URL. */
  vaultName: string;
  objectName: string;
  version: string;
  notBefore?: string;
  expiresOn?: string;
}

export type KeyVaultEvent =
  | { schema: KeyVaultEventSchema; eventId: string; type: KeyVaultSecretEventType; topic: string; object: KeyVaultSecretObject }
  /** A type the watchdog does not act on: its data is not read. */
  | { schema: KeyVaultEventSchema; eventId: string; type: string; topic: string; object?: undefined };

export type KeyVaultEventSchema = "eventgrid" | "cloudevents";

const text = z.string({ error: "expected a string" }).trim().min(1, "expected a non-empty string");

const eventGridEnvelope = z.object({
  id: text,
  topic: text,
  subject: z.string({ error: "expected a string" }),
  eventType: text,
  eventTime: text,
  data: z.unknown(),
  dataVersion: z.string({ error: "expected a string" }).optional(),
  metadataVersion: z.string({ error: "expected a string" }).optional(),
});

const cloudEventEnvelope = z.object({
  specversion: z.literal("1.0", { error: 'expected "1.0" (CloudEvents 1.0)' }),
  id: text,
  source: text,
  type: text,
  time: text.optional(),
  subject: z.string({ error: "expected a string" }).optional(),
  data: z.unknown(),
});

const unixSeconds = z
  .union([z.number(), z.string().trim().regex(/^\d{1,12}$/, "expected Unix seconds")], { error: "expected Unix seconds (a number or a numeric string)" })
  .transform((v) => new Date(Number(v) * 1000).toISOString())
  .nullish();

const secretData = z.object({
  id: text.pipe(z.url({ protocol: /^https$/, error: "expected an https:// URL of the secret version" })),
  vaultname: text.regex(/^[0-9a-zA-Z-]{3,24}$/, "expected a vault name (3-24 letters, digits and dashes), not a URL"),
  objecttype: z.literal("Secret", { error: 'expected "Secret" for a secret event' }),
  objectname: text.regex(/^[0-9a-zA-Z-]{1,127}$/, "expected a secret name (1-127 letters, digits and dashes)"),
  version: text.regex(/^[0-9a-fA-F]{32}$/, "expected a 32-hex-digit version id"),
  nbf: unixSeconds,
  exp: unixSeconds,
});

/** The data object with each key trimmed and lower-cased; two keys that become one make the data ambiguous. */
function normalizedKeys(data: unknown): { ok: true; data: unknown } | { ok: false; problem: string } {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return { ok: true, data };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    const normal = key.trim().toLowerCase();
    if (normal in out) return { ok: false, problem: `data: two keys for "${normal}"` };
    out[normal] = value;
  }
  return { ok: true, data: out };
}

/** Issue paths in the event's own spelling where we know it (`data.VaultName`), never values. */
const dataKeyNames: Record<string, string> = { id: "Id", vaultname: "VaultName", objecttype: "ObjectType", objectname: "ObjectName", version: "Version", nbf: "NBF", exp: "EXP" };

function issuesOf(error: z.ZodError, within: "envelope" | "data"): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String);
    if (within === "data") path.splice(0, 1, "data", ...(path[0] === undefined ? [] : [dataKeyNames[path[0]] ?? path[0]]));
    return `${path.join(".") || "(event)"}: ${issue.message}`;
  });
}

function fail(where: string, issues: string[]): never {
  throw new BadInputError("arguments", issues.map((issue) => `${where} ${issue}`));
}

/** Checks that `Id` names this vault, secret and version: `https://<VaultName>.<domain>/secrets/<ObjectName>/<Version>`. */
function idProblems(object: KeyVaultSecretObject): string[] {
  const url = new URL(object.id);
  const [, kind, name, version] = url.pathname.split("/");
  const problems: string[] = [];
  if (url.hostname.split(".")[0]?.toLowerCase() !== object.vaultName.toLowerCase()) problems.push("data.Id: its host does not start with data.VaultName");
  if (kind !== "secrets" || name?.toLowerCase() !== object.objectName.toLowerCase()) problems.push("data.Id: its path does not name /secrets/<data.ObjectName>");
  if (version?.toLowerCase() !== object.version.toLowerCase()) problems.push("data.Id: its path does not end with data.Version");
  return problems;
}

/**
 * Parses what the Functions host hands the Event Grid trigger: an event in the Event Grid schema or the
 * CloudEvents 1.0 schema (told apart by `specversion`). Throws a BadInputError whose issues say what was wrong
 * and where (`event <id> data.VaultName: expected a string`) and never quote a value.
 */
export function parseKeyVaultEvent(raw: unknown): KeyVaultEvent {
  const isCloudEvent = typeof raw === "object" && raw !== null && "specversion" in raw;
  const envelope = isCloudEvent ? cloudEventEnvelope.safeParse(raw) : eventGridEnvelope.safeParse(raw);
  const schema: KeyVaultEventSchema = isCloudEvent ? "cloudevents" : "eventgrid";
  if (!envelope.success) fail(isCloudEvent ? "CloudEvents event:" : "Event Grid event:", issuesOf(envelope.error, "envelope"));
  const e = envelope.data;
  const base = "specversion" in e ? { schema, eventId: e.id, type: e.type, topic: e.source } : { schema, eventId: e.id, type: e.eventType, topic: e.topic };
  const where = `event ${base.eventId} (${base.type}):`;
  if (!(keyVaultSecretEventTypes as readonly string[]).includes(base.type)) return base;

  const keys = normalizedKeys(e.data);
  if (!keys.ok) fail(where, [keys.problem]);
  if (typeof keys.data !== "object" || keys.data === null || Array.isArray(keys.data)) fail(where, ["data: expected an object"]);
  const data = secretData.safeParse(keys.data);
  if (!data.success) fail(where, issuesOf(data.error, "data"));
  const d = data.data;
  const object: KeyVaultSecretObject = {
    id: d.id,
    vaultName: d.vaultname,
    objectName: d.objectname,
    version: d.version.toLowerCase(),
    ...(d.nbf ? { notBefore: d.nbf } : {}),
    ...(d.exp ? { expiresOn: d.exp } : {}),
  };
  const problems = idProblems(object);
  if (problems.length > 0) fail(where, problems);
  return { ...base, type: base.type as KeyVaultSecretEventType, object };
}
