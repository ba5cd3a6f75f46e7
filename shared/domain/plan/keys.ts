import type { CiScope } from "../snapshot.js";

/** Derived names of what no policy credential binds (see WatchedCredential.credential). */

export function entraKey(appId: string, keyId: string): string {
  return `entra:${appId.toLowerCase()}:${keyId}`;
}

export function circleciKey(scope: CiScope, variable: string): string {
  return scope.kind === "context" ? `circleci:context:${scope.contextName}:${variable}` : `circleci:project:${scope.projectSlug}:${variable}`;
}

/** The key of findings about a whole context (its exposure): "circleci:context:<name>". */
export function contextKey(contextName: string): string {
  return `circleci:context:${contextName}`;
}
