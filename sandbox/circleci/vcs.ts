/** What a project slug's first segment says about its VCS, for API v2 project info and API v1.1 listings. */
export interface VcsFacts {
  /** API v2 `vcs_info.provider`. */
  provider: "GitHub" | "Bitbucket" | "CircleCI";
  /** API v1.1 `vcs_type`. */
  v1Type: "github" | "bitbucket" | "circleci";
  vcsUrl: string;
}

export function vcsOf(slug: string): VcsFacts {
  const [vcs, org, repo] = slug.split("/");
  switch (vcs) {
    case "gh":
    case "github":
      return { provider: "GitHub", v1Type: "github", vcsUrl: `https://github.com/${org}/${repo}` };
    case "bb":
    case "bitbucket":
      return { provider: "Bitbucket", v1Type: "bitbucket", vcsUrl: `https://bitbucket.org/${org}/${repo}` };
    default:
      // GitHub App and GitLab projects: circleci/<org-id>/<project-id>.
      return { provider: "CircleCI", v1Type: "circleci", vcsUrl: `//circleci.com/${org}/${repo}` };
  }
}
