import { randomUUID } from "node:crypto";
import type { EmulatorReply, EmulatorRequest, Route } from "../../core/emulator.js";
import type { DirectoryApp, DirectoryFederatedCredential } from "../directory-state.js";
import { applicationPath, authenticated, contextUrl, missingCredentialReply, readJsonObject, resolveApplication, type GraphContext } from "../graph-context.js";
import { graphBadRequest, graphError, graphNotFound } from "../graph-errors.js";
import { paginate } from "../paging.js";
import { denyRead, denyWrite } from "../permissions.js";
import { graphRouteNames } from "../route-names.js";
import { federatedCredentialToWire } from "../wire.js";

/** Entra's documented limits for federated identity credentials. */
export const ficLimits = { perApplication: 20, nameLength: 120, valueLength: 600 } as const;

const collection = "/federatedIdentityCredentials";
// One credential, by id or name: `/federatedIdentityCredentials/{idOrName}` or `/federatedIdentityCredentials(name='…')`.
const item = `${collection}(?<ficRef>/[^/]+|\\([^/]*\\)|%28[^/]*%29)`;

function invalid(property: string, why: string): EmulatorReply {
  return graphBadRequest(`Invalid value specified for property '${property}' of resource 'FederatedIdentityCredential': ${why}.`);
}

function text(value: unknown, property: string, max: number): string | EmulatorReply {
  if (typeof value !== "string" || value.trim() === "") return invalid(property, "a non-empty string is required");
  if (value.length > max) return invalid(property, `at most ${max} characters are allowed, got ${value.length}`);
  return value;
}

function validate(body: Record<string, unknown>): Omit<DirectoryFederatedCredential, "id"> | EmulatorReply {
  const name = text(body.name, "name", ficLimits.nameLength);
  if (typeof name !== "string") return name;
  if (!/^[A-Za-z0-9._~-]+$/.test(name)) return invalid("name", "it must be URL friendly (letters, digits, '-', '_', '.', '~')");
  const issuer = text(body.issuer, "issuer", ficLimits.valueLength);
  if (typeof issuer !== "string") return issuer;
  if (!/^https:\/\/[^\s]+$/.test(issuer)) return invalid("issuer", "it must be an https URL");
  const subject = text(body.subject, "subject", ficLimits.valueLength);
  if (typeof subject !== "string") return subject;
  const audiences = body.audiences;
  if (!Array.isArray(audiences) || audiences.length !== 1) {
    return invalid("audiences", `exactly one audience is required, got ${Array.isArray(audiences) ? audiences.length : "none"}`);
  }
  const audience = text(audiences[0], "audiences", ficLimits.valueLength);
  if (typeof audience !== "string") return audience;
  const description = body.description ?? null;
  if (description !== null && (typeof description !== "string" || description.length > ficLimits.valueLength)) {
    return invalid("description", `a string of at most ${ficLimits.valueLength} characters is expected`);
  }
  return { name, issuer, subject, audiences: [audience], description };
}

function findCredential(app: DirectoryApp, req: EmulatorRequest): DirectoryFederatedCredential | EmulatorReply {
  let ref: string;
  try {
    ref = decodeURIComponent(req.params.ficRef ?? "");
  } catch {
    return graphBadRequest(`Invalid federated identity credential reference '${req.params.ficRef ?? ""}'.`);
  }
  const byName = /^\(name='([^']*)'\)$/i.exec(ref);
  const key = byName ? byName[1]! : ref.replace(/^\//, "");
  const found = app.federatedIdentityCredentials.find((f) => f.id.toLowerCase() === key.toLowerCase() || f.name.toLowerCase() === key.toLowerCase());
  return found ?? graphNotFound(key);
}

const isReply = (value: object): value is EmulatorReply => "status" in value;

/** `GET/POST …/federatedIdentityCredentials` and `GET/DELETE …/federatedIdentityCredentials/{id or name}`. */
export function federatedCredentialRoutes(context: GraphContext): Route[] {
  return [
    {
      name: graphRouteNames.ficList,
      method: "GET",
      pattern: applicationPath(collection),
      handler: authenticated(context, (req) => {
        const refused = denyRead(context, req);
        if (refused) return refused;
        const resolved = resolveApplication(context, req);
        if ("reply" in resolved) return resolved.reply;
        const page = paginate(req, context.state.readView(resolved.app).federatedIdentityCredentials, context.maxPageSize);
        if ("reply" in page) return page.reply;
        return {
          status: 200,
          json: {
            "@odata.context": contextUrl(req, `applications('${resolved.app.id}')/federatedIdentityCredentials`),
            ...(page.nextLink ? { "@odata.nextLink": page.nextLink } : {}),
            value: page.items.map(federatedCredentialToWire),
          },
        };
      }),
    },
    {
      name: graphRouteNames.ficCreate,
      method: "POST",
      pattern: applicationPath(collection),
      handler: authenticated(context, async (req) => {
        const resolved = resolveApplication(context, req);
        if ("reply" in resolved) return resolved.reply;
        const refused = denyWrite(context, req, resolved.app);
        if (refused) return refused;
        const read = await readJsonObject(req);
        if ("reply" in read) return read.reply;
        const candidate = validate(read.body);
        if (isReply(candidate)) return candidate;
        const existing = resolved.app.federatedIdentityCredentials;
        if (existing.some((f) => f.name.toLowerCase() === candidate.name.toLowerCase())) {
          return graphError(409, "Request_MultipleObjectsWithSameKeyValue", `FederatedIdentityCredential with name ${candidate.name} already exists.`);
        }
        if (existing.some((f) => f.issuer === candidate.issuer && f.subject === candidate.subject)) {
          return graphError(
            400,
            "InvalidFederatedIdentityCredentialValue",
            `The combination of issuer and subject must be unique for the application. Issuer ${candidate.issuer} and Subject: ${candidate.subject} already exist. paramName: FederatedIdentityCredential.Subject, paramValue: ${candidate.subject}, objectType: Microsoft.Online.DirectoryServices.Application`,
          );
        }
        if (existing.length >= ficLimits.perApplication) {
          return graphBadRequest(
            `The application already has the maximum of ${ficLimits.perApplication} federated identity credentials; remove one before adding another.`,
          );
        }
        const created: DirectoryFederatedCredential = { id: randomUUID(), ...candidate, addedAt: context.state.now().getTime() };
        context.state.beforeWrite(resolved.app);
        existing.push(created);
        const version = req.params.version ?? "v1.0";
        return {
          status: 201,
          headers: { location: `${req.baseUrl}/${version}/applications/${resolved.app.id}/federatedIdentityCredentials/${created.id}` },
          json: {
            "@odata.context": contextUrl(req, `applications('${resolved.app.id}')/federatedIdentityCredentials/$entity`),
            ...federatedCredentialToWire(created),
          },
        };
      }),
    },
    {
      name: graphRouteNames.ficGet,
      method: "GET",
      pattern: applicationPath(item),
      handler: authenticated(context, (req) => {
        const refused = denyRead(context, req);
        if (refused) return refused;
        const resolved = resolveApplication(context, req);
        if ("reply" in resolved) return resolved.reply;
        const found = findCredential(context.state.readView(resolved.app), req);
        if (isReply(found)) return found;
        return {
          status: 200,
          json: {
            "@odata.context": contextUrl(req, `applications('${resolved.app.id}')/federatedIdentityCredentials/$entity`),
            ...federatedCredentialToWire(found),
          },
        };
      }),
    },
    {
      name: graphRouteNames.ficDelete,
      method: "DELETE",
      pattern: applicationPath(item),
      handler: authenticated(context, (req) => {
        const resolved = resolveApplication(context, req);
        if ("reply" in resolved) return resolved.reply;
        const refused = denyWrite(context, req, resolved.app);
        if (refused) return refused;
        const found = findCredential(resolved.app, req);
        if (isReply(found)) return found.status === 404 ? missingCredentialReply(context, req.params.ficRef ?? "", () => found) : found;
        const list = resolved.app.federatedIdentityCredentials;
        context.state.beforeWrite(resolved.app);
        list.splice(list.indexOf(found), 1);
        return { status: 204 };
      }),
    },
  ];
}
