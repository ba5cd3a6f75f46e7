/**
 * A pipeline's OIDC login as `az login --service-principal --federated-token` makes it: the real
 * `@azure/identity` ClientAssertionCredential presenting a CircleCI token to the Entra emulator.
 */
import { ClientAssertionCredential } from "@azure/identity";
import type { SandboxJob } from "../circleci-oidc/index.js";

export type LoginResult = { ok: true } | { ok: false; code: number | null; message: string };

/** The resource az login asks for first; any `/.default` scope takes the same path. */
const armScope = "https://management.azure.com/.default";

export async function loginWithToken(input: { authorityHost: string; tenantId: string; clientId: string; token: string }): Promise<LoginResult> {
  const credential = new ClientAssertionCredential(input.tenantId, input.clientId, () => Promise.resolve(input.token), {
    authorityHost: input.authorityHost,
    disableInstanceDiscovery: true,
  });
  try {
    const token = await credential.getToken(armScope);
    return token?.token ? { ok: true } : { ok: false, code: null, message: "no token" };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = /AADSTS(\d+)/.exec(message);
    return { ok: false, code: code ? Number(code[1]) : null, message };
  }
}

/**
 * Runs the login step of the pipeline change the watchdog printed, in a sandbox job: the `TOKEN=…` line
 * (`$CIRCLE_OIDC_TOKEN`, `$CIRCLE_OIDC_TOKEN_V2` or `circleci run oidc get --claims '…'`) and the `az login` line,
 * whose `$AZURE_CLIENT_ID` / `$AZURE_TENANT_ID` come from the variables where the secret lived. Throws on a line it
 * does not know: a change of the printed text must be looked at here.
 */
export async function runPrintedLogin(input: {
  pipelineChange: string;
  job: SandboxJob;
  variables: Record<string, string | undefined>;
  authorityHost: string;
}): Promise<LoginResult & { token: string }> {
  const lines = input.pipelineChange.split("\n").map((line) => line.trim());
  const tokenLine = lines.find((line) => line.startsWith("TOKEN="));
  const loginLine = lines.find((line) => line.startsWith("az login "));
  if (!tokenLine || !loginLine) throw new Error(`the pipeline change has no TOKEN= or az login line:\n${input.pipelineChange}`);
  let token: string;
  const fromEnv = /^TOKEN="\$(CIRCLE_OIDC_TOKEN(?:_V2)?)"$/.exec(tokenLine);
  const fromCli = /^TOKEN=\$\(circleci run oidc get --claims '([^']*)'\)$/.exec(tokenLine);
  if (fromEnv) token = input.job.env[fromEnv[1] as keyof SandboxJob["env"]];
  else if (fromCli) token = await input.job.oidcGet(fromCli[1]!);
  else throw new Error(`unknown token line: ${tokenLine}`);
  const login = /^az login --service-principal -u \$(\w+) -t \$(\w+) --federated-token "\$TOKEN"$/.exec(loginLine);
  if (!login) throw new Error(`unknown login line: ${loginLine}`);
  const clientId = input.variables[login[1]!];
  const tenantId = input.variables[login[2]!];
  if (!clientId || !tenantId) throw new Error(`the job has no ${!clientId ? login[1] : login[2]}`);
  return { ...(await loginWithToken({ authorityHost: input.authorityHost, tenantId, clientId, token })), token };
}
