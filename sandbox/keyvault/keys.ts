import { constants, createPrivateKey, generateKeyPairSync, privateEncrypt, randomBytes, type KeyObject } from "node:crypto";
import { z } from "zod";
import type { EmulatorRequest, Route, RouteHandler } from "../core/emulator.js";
import { page } from "./paging.js";
import { KeyVaultProblem } from "./state.js";

/**
 * Key Vault's keys data plane, the part an OIDC issuer needs (api-version 2025-07-01, as @azure/keyvault-keys 4.10
 * speaks it): create an RSA key, read a version (public part only: the private key never leaves the vault), list
 * versions, and sign a digest with RS256. Shapes from the Key Vault REST reference ("Create Key", "Get Key",
 * "Get Key Versions", "Sign"): a KeyBundle `{key: JsonWebKey {kid, kty, key_ops, n, e}, attributes, tags}`, base64url
 * numbers, `{kid, value}` for a signature.
 */

export const keyRouteNames = {
  createKey: "key.create",
  getKey: "key.get",
  listKeyVersions: "key.versions",
  sign: "key.sign",
} as const;

interface EmulatedKeyVersion {
  version: string;
  privateKey: KeyObject;
  n: string;
  e: string;
  keyOps: string[];
  enabled: boolean;
  created: number;
  tags: Record<string, string>;
}

/** Every key of the vault; tests read it (and may disable a version) directly. */
export class KeyVaultKeys {
  private readonly keys = new Map<string, { name: string; versions: EmulatedKeyVersion[] }>();
  /** Signatures made, by key id: tests count them (Key Vault's own limits make signing worth counting). */
  readonly signed: string[] = [];

  constructor(private readonly now: () => Date) {}

  create(name: string, input: { keySize: number; keyOps: string[]; tags: Record<string, string>; enabled: boolean }): { name: string; version: EmulatedKeyVersion } {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: input.keySize, publicExponent: 0x10001 });
    const jwk = privateKey.export({ format: "jwk" });
    const version: EmulatedKeyVersion = {
      version: randomBytes(16).toString("hex"),
      privateKey: createPrivateKey(privateKey.export({ format: "pem", type: "pkcs8" })),
      n: jwk.n!,
      e: jwk.e!,
      keyOps: input.keyOps,
      enabled: input.enabled,
      created: Math.floor(this.now().getTime() / 1000),
      tags: input.tags,
    };
    const key = this.keys.get(name.toLowerCase()) ?? { name, versions: [] };
    key.versions.push(version);
    this.keys.set(name.toLowerCase(), key);
    return { name: key.name, version };
  }

  find(name: string, version?: string): { name: string; version: EmulatedKeyVersion } {
    const key = this.keys.get(name.toLowerCase());
    const found = version ? key?.versions.find((v) => v.version === version) : key?.versions[key.versions.length - 1];
    if (!key || !found) throw new KeyVaultProblem(404, "KeyNotFound", `A key with (name/id) ${name}${version ? `/${version}` : ""} was not found in this key vault.`);
    return { name: key.name, version: found };
  }

  versions(name: string): { name: string; versions: EmulatedKeyVersion[] } | undefined {
    return this.keys.get(name.toLowerCase());
  }

  disable(name: string, version: string): void {
    this.find(name, version).version.enabled = false;
  }
}

const createBody = z.object({
  kty: z.enum(["RSA", "RSA-HSM"], { error: "only RSA keys are emulated" }),
  key_size: z.number().int().optional(),
  key_ops: z.array(z.string()).optional(),
  attributes: z.object({ enabled: z.boolean().nullable().optional() }).nullable().optional(),
  tags: z.record(z.string(), z.string()).nullable().optional(),
});

const signBody = z.object({ alg: z.string(), value: z.string() });

// RS256 signs a SHA-256 digest (32 bytes); Key Vault checks the digest length against the algorithm.
const digestLength: Record<string, number> = { RS256: 32, RS384: 48, RS512: 64 };
const hashOf: Record<string, string> = { RS256: "sha256", RS384: "sha384", RS512: "sha512" };

function keyId(base: string, name: string, version: string): string {
  return `${base}/keys/${name}/${version}`;
}

function keyBundle(base: string, name: string, v: EmulatedKeyVersion): Record<string, unknown> {
  return {
    key: { kid: keyId(base, name, v.version), kty: "RSA", key_ops: v.keyOps, n: v.n, e: v.e },
    attributes: { enabled: v.enabled, created: v.created, updated: v.created, recoveryLevel: "Recoverable+Purgeable", recoverableDays: 90, exportable: false },
    ...(Object.keys(v.tags).length > 0 ? { tags: v.tags } : {}),
  };
}

async function body<T extends z.ZodType>(req: EmulatorRequest, schema: T): Promise<z.infer<T>> {
  let parsed: unknown;
  try {
    parsed = await req.json();
  } catch {
    throw new KeyVaultProblem(400, "BadParameter", "The request body is not valid JSON.");
  }
  const result = schema.safeParse(parsed ?? {});
  if (!result.success) throw new KeyVaultProblem(400, "BadParameter", `The request body is invalid: ${result.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ")}`);
  return result.data;
}

/** The key routes, wrapped by the vault's own guard (challenge, api-version, errors). */
export function keyRoutes(keys: KeyVaultKeys, guard: (handler: RouteHandler) => RouteHandler): Route[] {
  const route = (name: string, method: string, pattern: string, handler: RouteHandler): Route => ({ name, method, pattern, handler: guard(handler) });
  const get: RouteHandler = (req) => {
    const found = keys.find(req.params.name ?? "", req.params.version || undefined);
    return { status: 200, json: keyBundle(req.baseUrl, found.name, found.version) };
  };
  return [
    route(keyRouteNames.createKey, "POST", "/keys/:name/create", async (req) => {
      const input = await body(req, createBody);
      const keySize = input.key_size ?? 2048;
      if (![2048, 3072, 4096].includes(keySize)) throw new KeyVaultProblem(400, "BadParameter", "RSA key size must be 2048, 3072 or 4096.");
      const created = keys.create(req.params.name ?? "", {
        keySize,
        keyOps: input.key_ops ?? ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"],
        tags: input.tags ?? {},
        enabled: input.attributes?.enabled ?? true,
      });
      return { status: 200, json: keyBundle(req.baseUrl, created.name, created.version) };
    }),
    route(keyRouteNames.listKeyVersions, "GET", "/keys/:name/versions", (req) => {
      const key = keys.versions(req.params.name ?? "");
      // Like secrets: the versions of a name with none are an empty list (the Azure SDK's live tests).
      const items = (key?.versions ?? []).map((v) => ({ kid: keyId(req.baseUrl, key!.name, v.version), attributes: keyBundle(req.baseUrl, key!.name, v).attributes, ...(Object.keys(v.tags).length ? { tags: v.tags } : {}) }));
      return { status: 200, json: page(req, items, 25) };
    }),
    route(keyRouteNames.getKey, "GET", "/keys/:name", get),
    route(keyRouteNames.getKey, "GET", "/keys/:name/:version", get),
    route(keyRouteNames.sign, "POST", "/keys/:name/:version/sign", async (req) => {
      const input = await body(req, signBody);
      const found = keys.find(req.params.name ?? "", req.params.version || undefined);
      if (!found.version.enabled) throw new KeyVaultProblem(403, "Forbidden", "Operation sign is not allowed on a disabled key.");
      if (!found.version.keyOps.includes("sign")) throw new KeyVaultProblem(403, "Forbidden", "Operation sign is not permitted on this key.");
      const expected = digestLength[input.alg];
      if (!expected) throw new KeyVaultProblem(400, "BadParameter", `Algorithm ${input.alg} is not supported for RSA keys here.`);
      const digest = Buffer.from(input.value, "base64url");
      if (digest.length !== expected) throw new KeyVaultProblem(400, "BadParameter", "Invalid length of digest for the algorithm.");
      // Key Vault signs the digest it is given (the client hashed): PKCS#1 v1.5 over DigestInfo || digest.
      const signature = signDigest(found.version.privateKey, hashOf[input.alg]!, digest);
      const kid = keyId(req.baseUrl, found.name, found.version.version);
      keys.signed.push(kid);
      return { status: 200, json: { kid, value: signature.toString("base64url") } };
    }),
  ];
}

// DER DigestInfo prefixes (RFC 8017 §9.2, note 1): what PKCS#1 v1.5 signs in front of the hash.
const digestInfoPrefix: Record<string, string> = {
  sha256: "3031300d060960864801650304020105000420",
  sha384: "3041300d060960864801650304020205000430",
  sha512: "3051300d060960864801650304020305000440",
};

function signDigest(privateKey: KeyObject, hash: string, digest: Buffer): Buffer {
  const payload = Buffer.concat([Buffer.from(digestInfoPrefix[hash]!, "hex"), digest]);
  // RSASSA-PKCS1-v1_5 is the private-key operation on the padded DigestInfo (RFC 8017 §8.2.1).
  return privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, payload);
}
