import { stringify } from "yaml";

/** A credential name the policy accepts ([a-z0-9-]), derived from what the snapshot calls the thing. */
export function suggestName(...parts: string[]): string {
  const slug = parts
    .join("-")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
  return slug === "" ? "credential" : slug;
}

/** One scalar or flow mapping, quoted exactly as YAML needs (names can hold `,` `:` `#` …). */
function flow(value: unknown): string {
  return stringify(value, { collectionStyle: "flow", lineWidth: 0 }).trim();
}

export interface SnippetCredential {
  name: string;
  circleci: Record<string, string>;
  entra?: { appId: string };
}

/** The `credentials:` entry to paste into the policy so the watchdog watches this credential. */
export function policySnippet(credential: SnippetCredential, comment: string): string {
  const lines = [
    `# ${comment.replace(/\s+/g, " ")}`,
    "credentials:",
    `  - name: ${flow(credential.name)}`,
    `    circleci: ${flow(credential.circleci)}`,
    ...(credential.entra ? [`    entra: ${flow(credential.entra)}`] : []),
    "    action: watch",
  ];
  return lines.join("\n");
}
