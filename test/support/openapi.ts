import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsImport from "ajv-formats";

// ajv-formats is CommonJS with a default export: under native ESM the function may sit on `.default`.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats =
  (addFormatsImport as unknown as { default?: AddFormats }).default ?? (addFormatsImport as unknown as AddFormats);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Rewrites an OpenAPI 3.0 document into something ajv reads as JSON Schema:
 * - Swagger 2's `x-nullable` (CircleCI's spec still has some) becomes OpenAPI's `nullable`, which ajv
 *   supports natively — but only beside a `type`, so a typeless one is simply dropped (it allows null already);
 * - `additionalProperties: false` on a schema without `properties` that combines `anyOf`/`oneOf`/`allOf`
 *   is dropped: in JSON Schema it would forbid every property of the alternatives, which is not what the
 *   authors meant (CircleCI's `update_env_var` is written that way).
 */
function toAjvSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(toAjvSchema);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) out[key] = toAjvSchema(value);
  if (out["x-nullable"] === true) {
    delete out["x-nullable"];
    if (out.type !== undefined) out.nullable = true;
  }
  const combines = out.anyOf !== undefined || out.oneOf !== undefined || out.allOf !== undefined;
  if (out.additionalProperties === false && out.properties === undefined && combines) delete out.additionalProperties;
  return out;
}

const escapePointer = (segment: string) => segment.replace(/~/g, "~0").replace(/\//g, "~1");

export interface OpenApiValidators {
  /**
   * A validator for the JSON body of `method path` answered with `status`. `path` is the template as
   * written in the document (e.g. "/context/{context_id}"); a status the operation does not list falls
   * back to its `default` response.
   */
  response(method: string, path: string, status: number): ValidateFunction;
}

export function loadOpenApi(file: URL): OpenApiValidators {
  const raw = JSON.parse(readFileSync(file, "utf8")) as Json;
  const doc = toAjvSchema(raw);
  if (!isObject(doc)) throw new Error(`${file.pathname}: not an OpenAPI document`);
  const id = "openapi.json";
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema({ ...doc, $id: id });
  const cache = new Map<string, ValidateFunction>();

  const lookup = (pointer: string): Json | undefined =>
    pointer
      .replace(/^#\//, "")
      .split("/")
      .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
      .reduce<Json | undefined>((node, key) => (isObject(node) ? node[key] : undefined), doc);

  return {
    response(method, path, status) {
      const key = `${method} ${path} ${status}`;
      const cached = cache.get(key);
      if (cached) return cached;
      const base = `#/paths/${escapePointer(path)}/${method.toLowerCase()}/responses`;
      const responses = lookup(base);
      if (!isObject(responses)) throw new Error(`OpenAPI: no operation ${method} ${path}`);
      const code = responses[String(status)] !== undefined ? String(status) : "default";
      let pointer = `${base}/${code}`;
      let response = lookup(pointer);
      if (isObject(response) && typeof response.$ref === "string") {
        pointer = response.$ref;
        response = lookup(pointer);
      }
      if (!isObject(response)) throw new Error(`OpenAPI: ${method} ${path} lists no response for ${status}`);
      const schemaPointer = `${pointer}/content/${escapePointer("application/json")}/schema`;
      if (lookup(schemaPointer) === undefined) throw new Error(`OpenAPI: ${method} ${path} ${code} has no JSON schema`);
      const validate = ajv.compile({ $ref: `${id}${schemaPointer}` });
      cache.set(key, validate);
      return validate;
    },
  };
}

/** ajv's errors as one readable line per problem, for assertion messages. */
export function describeErrors(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath || "(body)"} ${e.message ?? ""}`).join("; ");
}
