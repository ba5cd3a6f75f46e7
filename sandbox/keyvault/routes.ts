import type { EmulatorReply, EmulatorRequest, Route, RouteHandler } from "../core/emulator.js";
import { challenge, type ChallengeSettings } from "./auth.js";
import { page } from "./paging.js";
import type { KeyVaultRbac, SecretAction } from "./rbac.js";
import { readSetBody, readUpdateBody } from "./requests.js";
import { KeyVaultProblem, secretNamePattern, type KeyVaultState } from "./state.js";
import { deletedSecretBundle, deletedSecretItem, keyVaultError, secretBundle, secretItem } from "./wire.js";

/** Route names, for fault knobs (`emulator.faults.set(keyVaultRoutes.setSecret, …)`) and the request log. */
export const keyVaultRoutes = {
  listSecrets: "secrets.list",
  listVersions: "secret.versions",
  getSecret: "secret.get",
  setSecret: "secret.set",
  updateSecret: "secret.update",
  deleteSecret: "secret.delete",
  listDeleted: "deletedsecrets.list",
  getDeleted: "deletedsecret.get",
  recoverDeleted: "deletedsecret.recover",
  purgeDeleted: "deletedsecret.purge",
} as const;

/** The api-versions the secrets data plane answers to. */
export const supportedApiVersions = ["7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "2025-07-01"];
const latestApiVersion = "2025-07-01";

export interface RouteSettings extends ChallengeSettings {
  state: KeyVaultState;
  rbac: KeyVaultRbac;
  pageSize: number;
}

function checkApiVersion(req: EmulatorRequest): void {
  const version = req.query.get("api-version");
  if (!version) throw new KeyVaultProblem(400, "BadParameter", "The api-version query parameter is missing.");
  if (!supportedApiVersions.includes(version)) {
    throw new KeyVaultProblem(
      400,
      "BadParameter",
      `The specified version (${version}) is not recognized. Consider using the latest supported version (${latestApiVersion}).`,
    );
  }
}

function checkName(name: string | undefined): string {
  if (!name || !secretNamePattern.test(name)) {
    throw new KeyVaultProblem(400, "BadParameter", `The request URI contains an invalid name: ${name ?? ""}`);
  }
  return name;
}

/** Every route: challenge first (from headers only), then the api-version, then the handler. */
/** `action`: the secrets data action RBAC checks (keys routes are not under the vault's secret roles here). */
export function guardedRoute(settings: RouteSettings, handler: RouteHandler, action?: SecretAction): RouteHandler {
  return async (req): Promise<EmulatorReply> => {
    const refused = challenge(req, settings);
    if (refused) return refused;
    const claims = settings.tokens.verify(req.headers.authorization, ["https://vault.azure.net"]);
    const forbidden = claims && action ? settings.rbac.deny(claims, action) : undefined;
    if (forbidden) return forbidden;
    try {
      checkApiVersion(req);
      return await handler(req);
    } catch (error) {
      if (error instanceof KeyVaultProblem) return keyVaultError(error.status, error.message, error.code, error.innerCode);
      throw error;
    }
  };
}

export function keyVaultRouteTable(settings: RouteSettings): Route[] {
  const { state } = settings;
  const days = () => state.retentionDays;
  const actionOf: Record<string, SecretAction> = {
    [keyVaultRoutes.listSecrets]: "readMetadata",
    [keyVaultRoutes.listVersions]: "readMetadata",
    [keyVaultRoutes.getSecret]: "getSecret",
    [keyVaultRoutes.setSecret]: "setSecret",
    [keyVaultRoutes.updateSecret]: "update",
    [keyVaultRoutes.deleteSecret]: "delete",
    [keyVaultRoutes.listDeleted]: "readMetadata",
    [keyVaultRoutes.getDeleted]: "readMetadata",
    [keyVaultRoutes.recoverDeleted]: "recover",
    [keyVaultRoutes.purgeDeleted]: "purge",
  };
  const route = (name: string, method: string, pattern: string, handler: RouteHandler): Route => ({
    name,
    method,
    pattern,
    handler: guardedRoute(settings, handler, actionOf[name]),
  });

  const getSecret: RouteHandler = (req) => {
    const found = state.readableVersion(checkName(req.params.name), req.params.version);
    return { status: 200, json: secretBundle(req.baseUrl, found.secret, found.version, days(), true) };
  };

  return [
    route(keyVaultRoutes.listSecrets, "GET", "/secrets", (req) => {
      const items = state.liveSecrets().map((s) => secretItem(req.baseUrl, s, s.versions[s.versions.length - 1]!, days(), false));
      return { status: 200, json: page(req, items, settings.pageSize) };
    }),
    route(keyVaultRoutes.listVersions, "GET", "/secrets/:name/versions", (req) => {
      const name = checkName(req.params.name);
      const secret = state.secret(name);
      if (!secret && state.versionsOfMissingName === "not-found") throw new KeyVaultProblem(404, "SecretNotFound", `A secret with (name/id) ${name} was not found in this key vault.`);
      const items = (secret?.versions ?? []).map((v) => secretItem(req.baseUrl, secret!, v, days(), true));
      return { status: 200, json: page(req, items, settings.pageSize) };
    }),
    // `/secrets/{name}/` (what the SDK sends for "latest") and `/secrets/{name}` both match here.
    route(keyVaultRoutes.getSecret, "GET", "/secrets/:name", getSecret),
    route(keyVaultRoutes.getSecret, "GET", "/secrets/:name/:version", getSecret),
    route(keyVaultRoutes.setSecret, "PUT", "/secrets/:name", async (req) => {
      const name = checkName(req.params.name);
      const created = state.addVersion(name, await readSetBody(req));
      return { status: 200, json: secretBundle(req.baseUrl, created.secret, created.version, days(), true) };
    }),
    route(keyVaultRoutes.updateSecret, "PATCH", "/secrets/:name/:version", async (req) => {
      const name = checkName(req.params.name);
      const version = req.params.version ?? "";
      // Look the version up before reading the body, so a missing one is a 404 whatever the body says.
      state.findVersion(name, version);
      const updated = state.updateVersion(name, version, await readUpdateBody(req));
      return { status: 200, json: secretBundle(req.baseUrl, updated.secret, updated.version, days(), false) };
    }),
    route(keyVaultRoutes.deleteSecret, "DELETE", "/secrets/:name", (req) => {
      const entry = state.softDelete(checkName(req.params.name));
      return { status: 200, json: deletedSecretBundle(req.baseUrl, entry, days()) };
    }),
    route(keyVaultRoutes.listDeleted, "GET", "/deletedsecrets", (req) => {
      const items = state.deletedSecrets().map((entry) => deletedSecretItem(req.baseUrl, entry, days()));
      return { status: 200, json: page(req, items, settings.pageSize) };
    }),
    route(keyVaultRoutes.getDeleted, "GET", "/deletedsecrets/:name", (req) => {
      const entry = state.deletedSecret(checkName(req.params.name));
      return { status: 200, json: deletedSecretBundle(req.baseUrl, entry, days()) };
    }),
    route(keyVaultRoutes.recoverDeleted, "POST", "/deletedsecrets/:name/recover", (req) => {
      const secret = state.recover(checkName(req.params.name));
      return { status: 200, json: secretBundle(req.baseUrl, secret, secret.versions[secret.versions.length - 1]!, days(), false) };
    }),
    route(keyVaultRoutes.purgeDeleted, "DELETE", "/deletedsecrets/:name", (req) => {
      state.purge(checkName(req.params.name));
      return { status: 204 };
    }),
  ];
}
