import type { CiScope } from "../snapshot.js";

/** Derived names of what no policy credential binds (see WatchedCredential.credential). */

export function entraKey(appId: string, keyId: string): string {
  return `entra:${appId.toLowerCase()}:${keyId}`;
}

export function circleciKey(scope: CiScope, variable: string): string {
  return scope.kind === "context" ? `circleci:context:${scope.contextName}:${variable}` : `circleci:project:${scope.projectSlug}:${variable}`;
}
