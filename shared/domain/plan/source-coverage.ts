import type { CanonicalSnapshot } from "./canonical-snapshot.js";

/**
 * Which parts of the world the snapshot really saw. Something missing from a part that failed to read is
 * unknown, not absent: reporting it "not found" would be a false alarm (and, later, a wrong removal).
 */
export interface SourceCoverage {
  contextRead(contextName: string): boolean;
  projectRead(projectSlug: string): boolean;
  entraRead: boolean;
  vaultRead: boolean;
}

/**
 * CircleCI failures name their scope in `where` ("contexts", "context <name>", "project <slug>", "followed
 * projects", "organization projects"); a failure of one scope leaves the others trustworthy. "followed projects" and
 * "organization projects" only hide projects no credential binds (bound projects are always read by name). An unrecognised `where` makes every CircleCI read doubtful.
 */
export function sourceCoverage(snapshot: CanonicalSnapshot): SourceCoverage {
  const circleciFailures = snapshot.errors.filter((error) => error.source === "circleci").map((error) => String(error.where ?? ""));
  const recognised = (where: string) =>
    where === "contexts" ||
    where === "followed projects" ||
    where === "organization projects" ||
    where.startsWith("context ") ||
    where.startsWith("project ");
  const allDoubtful = circleciFailures.some((where) => !recognised(where));
  const contextListFailed = allDoubtful || circleciFailures.includes("contexts");
  // Attempted: listed by the inventory, or evidently read because variables came from it.
  const projectsAttempted = new Set(snapshot.projects);
  for (const variable of snapshot.variables) if (variable.scope?.kind === "project") projectsAttempted.add(variable.scope.projectSlug);
  return {
    contextRead: (name) => !contextListFailed && !circleciFailures.includes(`context ${name}`),
    // A project the inventory never attempted was not read either.
    projectRead: (slug) => !allDoubtful && projectsAttempted.has(slug) && !circleciFailures.includes(`project ${slug}`),
    entraRead: !snapshot.errors.some((error) => error.source === "entra"),
    vaultRead: snapshot.vaultSecrets !== null && !snapshot.errors.some((error) => error.source === "keyvault"),
  };
}
