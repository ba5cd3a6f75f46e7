/** API v1.1 names VCS providers in full; project slugs use the short form. */
const shortVcs: Record<string, string> = { github: "gh", bitbucket: "bb" };

/** `{vcs_type: "github", username: "acme", reponame: "api"}` -> `gh/acme/api`. */
export function projectSlug(project: { vcs_type: string; username: string; reponame: string }): string {
  const vcs = shortVcs[project.vcs_type.toLowerCase()] ?? project.vcs_type.toLowerCase();
  return `${vcs}/${project.username}/${project.reponame}`;
}

/** The API v1.1 base beside a v2 base: https://circleci.com/api/v2 -> https://circleci.com/api/v1.1. */
export function v1BaseOf(v2Base: string): string | undefined {
  return /\/api\/v2$/.test(v2Base) ? v2Base.replace(/\/api\/v2$/, "/api/v1.1") : undefined;
}

/** The private API base beside a v2 base: https://circleci.com/api/v2 -> https://circleci.com/api/private. */
export function privateBaseOf(v2Base: string): string | undefined {
  return /\/api\/v2$/.test(v2Base) ? v2Base.replace(/\/api\/v2$/, "/api/private") : undefined;
}
