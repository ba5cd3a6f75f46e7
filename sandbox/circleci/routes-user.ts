import type { Route } from "../core/emulator.js";
import { authenticated } from "./auth.js";
import type { CircleCiState } from "./state.js";
import { vcsOf } from "./vcs.js";

/** `/me`, `/me/collaborations` (API v2) and the followed-projects listing of API v1.1. */
export function userRoutes(state: CircleCiState): Route[] {
  const guard = (handler: Route["handler"]) => authenticated(state, handler);
  return [
    {
      name: "me",
      method: "GET",
      pattern: "/api/v2/me",
      handler: guard(() => ({
        status: 200,
        json: { id: state.user.id, login: state.user.login, name: state.user.name, avatar_url: null },
      })),
    },
    {
      name: "me.collaborations",
      method: "GET",
      pattern: "/api/v2/me/collaborations",
      // CircleCI's spec (and the live API) spell this key "vcs-type".
      handler: guard(() => ({
        status: 200,
        json: [
          {
            id: state.org.id,
            "vcs-type": state.org.vcsType,
            name: state.org.name,
            avatar_url: `https://avatars.example.invalid/${encodeURIComponent(state.org.name)}`,
            slug: state.org.slug,
          },
        ],
      })),
    },
    {
      name: "v1.projects",
      method: "GET",
      pattern: "/api/v1.1/projects",
      handler: authenticated(
        state,
        () => ({
          status: 200,
          json: state.projects
            .filter((p) => p.followed && !p.deletedAt)
            .map((p) => {
              const [, username, reponame] = p.slug.split("/");
              const facts = vcsOf(p.slug);
              return {
                vcs_url: facts.vcsUrl,
                vcs_type: facts.v1Type,
                username,
                reponame,
                following: true,
                default_branch: "main",
                oss: false,
                branches: {},
              };
            }),
        }),
        "You must log in first.",
      ),
    },
  ];
}
