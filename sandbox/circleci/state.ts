import { randomUUID } from "node:crypto";
import type { CircleWorld } from "../world/spec.js";
import type { PrivateProjectListOptions } from "./routes-private.js";

export interface EmulatedContextVariable {
  name: string;
  value: string;
  createdAt: string;
  updatedAt: string;
}

export type RestrictionType = "project" | "expression" | "group";

export interface EmulatedRestriction {
  id: string;
  type: RestrictionType;
  value: string;
  /** The project's or group's name; empty for an expression (CircleCI's own example answers ""). */
  name: string;
}

export interface EmulatedContext {
  id: string;
  name: string;
  createdAt: string;
  variables: EmulatedContextVariable[];
  restrictions: EmulatedRestriction[];
}

export interface EmulatedProjectVariable {
  name: string;
  value: string;
  /** Unknown for old variables: the wire then says `"created-at": null`. */
  createdAt?: string;
}

export interface EmulatedProject {
  slug: string;
  id: string;
  name: string;
  followed: boolean;
  variables: EmulatedProjectVariable[];
  /** A deleted project: still in the organization list with include-deleted=true, gone from API v2 (404). */
  deletedAt?: string;
}

/**
 * Everything the CircleCI emulator holds. Tests read and change it directly (seeding odd cases,
 * checking what a PUT stored); the routes go through the same methods so both see one truth.
 */
export class CircleCiState {
  token: string;
  readonly org: CircleWorld["org"];
  readonly user: CircleWorld["user"];
  readonly contexts: EmulatedContext[];
  readonly projects: EmulatedProject[];
  /** Knobs of the undocumented organization project list (routes-private.ts); tests change them. */
  privateProjectList: PrivateProjectListOptions = { deletedMarker: "deleted_at", repeatFirstPage: false };
  /**
   * Contexts (by name) whose variables the token's user may not read or change: a context restricted to a
   * security group the user is not in ("Contexts: restricting a context", CircleCI docs). Which status CircleCI
   * answers is not documented: 403 or 404 (both modelled).
   */
  readonly restrictedContexts = new Map<string, 403 | 404>();

  constructor(world: CircleWorld, private readonly now: () => Date) {
    this.token = world.token;
    this.org = { ...world.org };
    this.user = { ...world.user };
    this.contexts = world.contexts.map((c) => ({
      id: c.id,
      name: c.name,
      createdAt: c.createdAt,
      variables: c.variables.map((v) => ({ ...v })),
      restrictions: (c.restrictions ?? []).map((r) => ({ ...r, name: r.name ?? "" })),
    }));
    this.projects = world.projects.map((p) => ({
      slug: p.slug,
      id: p.id,
      name: p.name,
      followed: p.followed ?? false,
      variables: p.variables.map((v) => ({ ...v })),
      ...(p.deletedAt ? { deletedAt: p.deletedAt } : {}),
    }));
  }

  private stamp(): string {
    return this.now().toISOString();
  }

  context(name: string): EmulatedContext | undefined {
    return this.contexts.find((c) => c.name === name);
  }

  contextById(id: string): EmulatedContext | undefined {
    return this.contexts.find((c) => c.id === id);
  }

  private requireContext(name: string): EmulatedContext {
    const context = this.context(name);
    if (!context) throw new Error(`CircleCI emulator: no context named "${name}"`);
    return context;
  }

  addContext(input: { name: string; id?: string; createdAt?: string }): EmulatedContext {
    const context: EmulatedContext = {
      id: input.id ?? randomUUID(),
      name: input.name,
      createdAt: input.createdAt ?? this.stamp(),
      variables: [],
      restrictions: [],
    };
    this.contexts.push(context);
    return context;
  }

  removeContextById(id: string): boolean {
    const index = this.contexts.findIndex((c) => c.id === id);
    if (index < 0) return false;
    this.contexts.splice(index, 1);
    return true;
  }

  removeContext(name: string): boolean {
    const context = this.context(name);
    return context ? this.removeContextById(context.id) : false;
  }

  contextVariable(contextName: string, variable: string): EmulatedContextVariable | undefined {
    return this.context(contextName)?.variables.find((v) => v.name === variable);
  }

  /** The stored value, for tests: the wire never returns context values. */
  contextValue(contextName: string, variable: string): string | undefined {
    return this.contextVariable(contextName, variable)?.value;
  }

  /** Upsert by context name; `times` lets a test back-date a variable. */
  setContextVariable(
    contextName: string,
    variable: string,
    value: string,
    times: { createdAt?: string; updatedAt?: string } = {},
  ): EmulatedContextVariable {
    return this.upsertContextVariable(this.requireContext(contextName), variable, value, times);
  }

  upsertContextVariable(
    context: EmulatedContext,
    variable: string,
    value: string,
    times: { createdAt?: string; updatedAt?: string } = {},
  ): EmulatedContextVariable {
    const stamp = this.stamp();
    const existing = context.variables.find((v) => v.name === variable);
    if (existing) {
      existing.value = value;
      existing.updatedAt = times.updatedAt ?? laterThan(existing.updatedAt, stamp);
      if (times.createdAt) existing.createdAt = times.createdAt;
      return existing;
    }
    const created: EmulatedContextVariable = {
      name: variable,
      value,
      createdAt: times.createdAt ?? stamp,
      updatedAt: times.updatedAt ?? times.createdAt ?? stamp,
    };
    context.variables.push(created);
    return created;
  }

  removeContextVariable(contextName: string, variable: string): boolean {
    const context = this.context(contextName);
    return context ? removeByName(context.variables, variable) : false;
  }

  /** Adds a restriction to a context (by name), as the POST does; tests seed restrictions through it. */
  addRestriction(contextName: string, restriction: { type: RestrictionType; value: string; name?: string; id?: string }): EmulatedRestriction {
    const created: EmulatedRestriction = { id: restriction.id ?? randomUUID(), type: restriction.type, value: restriction.value, name: restriction.name ?? "" };
    this.requireContext(contextName).restrictions.push(created);
    return created;
  }

  project(slug: string): EmulatedProject | undefined {
    return this.projects.find((p) => p.slug === slug);
  }

  private requireProject(slug: string): EmulatedProject {
    const project = this.project(slug);
    if (!project) throw new Error(`CircleCI emulator: no project "${slug}"`);
    return project;
  }

  addProject(input: { slug: string; id?: string; name?: string; followed?: boolean }): EmulatedProject {
    const project: EmulatedProject = {
      slug: input.slug,
      id: input.id ?? randomUUID(),
      name: input.name ?? input.slug.split("/").at(-1) ?? input.slug,
      followed: input.followed ?? false,
      variables: [],
    };
    this.projects.push(project);
    return project;
  }

  removeProject(slug: string): boolean {
    const index = this.projects.findIndex((p) => p.slug === slug);
    if (index < 0) return false;
    this.projects.splice(index, 1);
    return true;
  }

  projectVariable(slug: string, name: string): EmulatedProjectVariable | undefined {
    return this.project(slug)?.variables.find((v) => v.name === name);
  }

  projectValue(slug: string, name: string): string | undefined {
    return this.projectVariable(slug, name)?.value;
  }

  /** CircleCI's POST replaces a project variable: a replaced one is new, so its created-at moves. */
  setProjectVariable(slug: string, name: string, value: string, createdAt?: string): EmulatedProjectVariable {
    return this.replaceProjectVariable(this.requireProject(slug), name, value, createdAt);
  }

  replaceProjectVariable(project: EmulatedProject, name: string, value: string, createdAt?: string): EmulatedProjectVariable {
    removeByName(project.variables, name);
    const created: EmulatedProjectVariable = { name, value, createdAt: createdAt ?? this.stamp() };
    project.variables.push(created);
    return created;
  }

  removeProjectVariable(slug: string, name: string): boolean {
    const project = this.project(slug);
    return project ? removeByName(project.variables, name) : false;
  }
}

/**
 * `updated_at` is CircleCI's clock at the write (OpenAPI `update_env_var`: "The date and time the environment variable
 * was updated"; CircleCI's Terraform provider shows it moving on each update, CircleCI-Public/terraform-provider-circleci
 * PR #11). Two PUTs in one millisecond still get distinct stamps: every PUT is a change a reader can see.
 */
function laterThan(previous: string, stamp: string): string {
  const before = Date.parse(previous);
  return Number.isFinite(before) && Date.parse(stamp) <= before ? new Date(before + 1).toISOString() : stamp;
}

function removeByName(list: Array<{ name: string }>, name: string): boolean {
  const index = list.findIndex((v) => v.name === name);
  if (index < 0) return false;
  list.splice(index, 1);
  return true;
}
