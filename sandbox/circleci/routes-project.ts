import type { EmulatorReply, EmulatorRequest, Route } from "../core/emulator.js";
import { authenticated, jsonBody, message } from "./auth.js";
import { invalidVariableName, invalidVariableValue } from "./limits.js";
import { isReply, pageOf } from "./paging.js";
import type { CircleRouteOptions } from "./routes-context.js";
import type { CircleCiState, EmulatedProject, EmulatedProjectVariable } from "./state.js";
import { vcsOf } from "./vcs.js";

/**
 * How `created-at` of project variables is written. CircleCI's own spec shows the Clojure form
 * `#joda/inst 2023-04-14T21:20:14+0000`; "joda" lets tests prove a client copes with it.
 */
export type ProjectTimestampStyle = "iso" | "joda";

export interface ProjectRouteOptions extends CircleRouteOptions {
  timestampStyle: ProjectTimestampStyle;
}

// A slug is vcs/org/repo with its slashes raw or percent-encoded (%2F), so it spans one to three segments.
const slug = "(?<slug>[^/]+(?:/[^/]+){0,2})";
const prefix = "^/api/v2/project/";

const projectNotFound = (): EmulatorReply => message(404, "Project not found");
const variableNotFound = (): EmulatorReply => message(404, "Environment variable not found.");

function decoded(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

function findProject(state: CircleCiState, req: EmulatorRequest): EmulatedProject | undefined {
  const projectSlug = decoded(req.params.slug);
  if (!projectSlug || projectSlug.split("/").length !== 3) return undefined;
  const project = state.project(projectSlug);
  return project?.deletedAt ? undefined : project;
}

function formatTimestamp(iso: string, style: ProjectTimestampStyle): string {
  if (style === "iso") return iso;
  return `#joda/inst ${iso.replace(/\.\d+Z$/, "Z").replace(/Z$/, "+0000")}`;
}

/**
 * Project variables come back masked: "xxxx" and the last four characters ("consistent with the display of environment
 * variable values in the CircleCI website", API v1.1 reference, circleci/circleci-docs src-api/source/includes/
 * _environment_vars.md; OpenAPI example "xxxx1234"). A value shorter than four characters shows no tail at all: the
 * same reference answers `{"name":"foo","value":"xxxx"}` for the value "bar".
 */
export function maskProjectValue(value: string): string {
  return value.length < 4 ? "xxxx" : `xxxx${value.slice(-4)}`;
}

const variableToWire = (style: ProjectTimestampStyle) => (v: EmulatedProjectVariable) => ({
  name: v.name,
  value: maskProjectValue(v.value),
  "created-at": v.createdAt ? formatTimestamp(v.createdAt, style) : null,
});

function projectToWire(state: CircleCiState, project: EmulatedProject) {
  const [vcs, orgSegment] = project.slug.split("/");
  const facts = vcsOf(project.slug);
  return {
    slug: project.slug,
    name: project.name,
    id: project.id,
    organization_name: facts.provider === "CircleCI" ? state.org.name : (orgSegment ?? state.org.name),
    organization_slug: `${vcs}/${orgSegment}`,
    organization_id: state.org.id,
    vcs_info: { vcs_url: facts.vcsUrl, provider: facts.provider, default_branch: "main" },
  };
}

export function projectRoutes(options: ProjectRouteOptions): Route[] {
  const { state, pageSize, timestampStyle } = options;
  const guard = (handler: Route["handler"]) => authenticated(state, handler);
  const toWire = variableToWire(timestampStyle);

  const withProject =
    (handler: (project: EmulatedProject, req: EmulatorRequest) => EmulatorReply | Promise<EmulatorReply>) =>
    (req: EmulatorRequest) => {
      const project = findProject(state, req);
      return project ? handler(project, req) : projectNotFound();
    };

  const list = withProject((project, req) => {
    const page = pageOf(req, `project-envvar:${project.slug}`, project.variables, pageSize, toWire);
    return isReply(page) ? page : { status: 200, json: page };
  });

  const create = withProject(async (project, req) => {
    const parsed = await jsonBody(req);
    if (!parsed.ok) return parsed.reply;
    const body = parsed.body as { name?: unknown; value?: unknown } | undefined;
    if (typeof body?.name !== "string") return message(400, "Invalid request body: \"name\" is required and must be a string.");
    const badName = invalidVariableName(body.name);
    if (badName) return message(400, badName);
    const badValue = invalidVariableValue(body.value);
    if (badValue || typeof body.value !== "string") return message(400, badValue ?? "Invalid value.");
    return { status: 201, json: toWire(state.replaceProjectVariable(project, body.name, body.value)) };
  });

  const get = withProject((project, req) => {
    const variable = project.variables.find((v) => v.name === decoded(req.params.name));
    return variable ? { status: 200, json: toWire(variable) } : variableNotFound();
  });

  const remove = withProject((project, req) => {
    const index = project.variables.findIndex((v) => v.name === decoded(req.params.name));
    if (index < 0) return variableNotFound();
    project.variables.splice(index, 1);
    return message(200, "Environment variable deleted.");
  });

  const envvar = new RegExp(`${prefix}${slug}/envvar/?$`);
  const envvarNamed = new RegExp(`${prefix}${slug}/envvar/(?<name>[^/]+)/?$`);
  return [
    { name: "project.envvar.list", method: "GET", pattern: envvar, handler: guard(list) },
    { name: "project.envvar.create", method: "POST", pattern: envvar, handler: guard(create) },
    { name: "project.envvar.get", method: "GET", pattern: envvarNamed, handler: guard(get) },
    { name: "project.envvar.delete", method: "DELETE", pattern: envvarNamed, handler: guard(remove) },
    {
      name: "project.get",
      method: "GET",
      pattern: new RegExp(`${prefix}${slug}/?$`),
      handler: guard(withProject((project) => ({ status: 200, json: projectToWire(state, project) }))),
    },
  ];
}
