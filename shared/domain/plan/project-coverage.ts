import type { ProjectSource, Snapshot } from "../snapshot.js";

/** Which CircleCI projects the inventory read, how it found them, and what it could not read. */
export interface ProjectCoverage {
  /** Projects whose variables were read. */
  read: number;
  /** Projects found through each source (one project may come from several). */
  bySource: Record<ProjectSource, number>;
  /** `inventory.allProjects`: the organization list was read, failed, or is not asked for. */
  organizationList: "read" | "failed" | "off";
  /** Deleted projects the organization list named and the inventory skipped. */
  deletedSkipped: number;
  /** Projects only the organization list named that API v2 does not have (deleted, or invisible to the token's user). */
  notFound: string[];
  /** Projects named by the policy (listed, bound) or followed whose variables could not be read. */
  unreadable: string[];
  /** false when the organization list failed or a named project could not be read. */
  complete: boolean;
}

/** The coverage the snapshot records (absent for snapshots made before it was recorded). */
export function projectCoverage(snapshot: Snapshot): ProjectCoverage | undefined {
  const reads = snapshot.circleci?.projectReads;
  if (!reads) return undefined;
  const failed = new Set(snapshot.errors.filter((e) => e.source === "circleci" && e.where.startsWith("project ")).map((e) => e.where.slice("project ".length)));
  const notFound = new Set(reads.notFound);
  const bySource: Record<ProjectSource, number> = { listed: 0, bound: 0, followed: 0, organization: 0 };
  for (const { from } of reads.sources) for (const source of from) bySource[source] += 1;
  const unreadable = reads.sources.filter(({ slug }) => failed.has(slug)).map(({ slug }) => slug);
  const followedFailed = snapshot.errors.some((e) => e.source === "circleci" && e.where === "followed projects");
  return {
    read: reads.sources.filter(({ slug }) => !failed.has(slug) && !notFound.has(slug)).length,
    bySource,
    organizationList: reads.organizationList,
    deletedSkipped: reads.deletedSkipped,
    notFound: [...notFound],
    unreadable,
    complete: reads.organizationList !== "failed" && unreadable.length === 0 && !followedFailed,
  };
}

/** One line for people: "12 projects read (2 listed, 1 bound, 10 organization list); organization list FAILED: …". */
export function describeProjectCoverage(coverage: ProjectCoverage): string {
  const sources = (Object.entries(coverage.bySource) as Array<[ProjectSource, number]>)
    .filter(([, n]) => n > 0)
    .map(([source, n]) => `${n} ${source === "organization" ? "from the organization list" : source}`);
  const parts = [`${coverage.read} CircleCI project${coverage.read === 1 ? "" : "s"} read${sources.length ? ` (${sources.join(", ")})` : ""}`];
  if (coverage.organizationList === "failed") parts.push("the organization project list could not be read: coverage INCOMPLETE, nothing is removed on it");
  if (coverage.organizationList === "off") parts.push("only the projects the policy names or the token follows (inventory.allProjects: true reads every project)");
  if (coverage.unreadable.length > 0) parts.push(`could not read ${coverage.unreadable.join(", ")}`);
  if (coverage.notFound.length > 0) parts.push(`${coverage.notFound.length} listed by the organization but not found through API v2 (deleted, or invisible to the token's user): ${coverage.notFound.join(", ")}`);
  if (coverage.deletedSkipped > 0) parts.push(`${coverage.deletedSkipped} deleted skipped`);
  return parts.join("; ");
}
