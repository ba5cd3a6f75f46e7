/**
 * The claims of a CircleCI OIDC token the broker's rules read (CircleCI's documentation, "Using OpenID Connect
 * tokens in jobs"; the sandbox's issuer mints the same). Every field is optional here: a rule that needs one that is
 * absent refuses (custom-webhook pipelines carry no vcs-origin/vcs-ref).
 */
export interface CircleCiJobClaims {
  sub?: string;
  projectId?: string;
  contextIds?: string[];
  vcsOrigin?: string;
  vcsRef?: string;
  sshRerun?: boolean;
}

const claim = (name: string) => `oidc.circleci.com/${name}`;

/** Reads the rule-relevant claims from a verified payload, keeping only well-typed values (anything else is absent). */
export function jobClaims(payload: Record<string, unknown>): CircleCiJobClaims {
  const text = (value: unknown) => (typeof value === "string" && value.length > 0 ? value : undefined);
  const contexts = payload[claim("context-ids")];
  // CircleCI's docs say one context id, a 2025 docs change says several: a string or an array of strings.
  const contextIds = typeof contexts === "string" ? [contexts] : Array.isArray(contexts) && contexts.every((c) => typeof c === "string") ? (contexts as string[]) : undefined;
  const ssh = payload[claim("ssh-rerun")];
  return {
    sub: text(payload.sub),
    projectId: text(payload[claim("project-id")]),
    contextIds,
    vcsOrigin: text(payload[claim("vcs-origin")]),
    vcsRef: text(payload[claim("vcs-ref")]),
    sshRerun: typeof ssh === "boolean" ? ssh : undefined,
  };
}
