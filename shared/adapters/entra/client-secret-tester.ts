import { ClientSecretCredential } from "@azure/identity";
import { z } from "zod";
import type { SecretValue } from "../../domain/secret-value.js";
import type { SecretTester } from "../../ports/directory.js";
import { isMicrosoftAuthorityHost } from "./authority-host.js";
import { classifyTokenFailure } from "./token-failure.js";

export const secretTesterSettingsSchema = z.object({
  /** AZURE_AUTHORITY_HOST. */
  authorityHost: z
    .string()
    .url("authorityHost (AZURE_AUTHORITY_HOST) must be a URL")
    .refine((u) => u.startsWith("https://"), "authorityHost (AZURE_AUTHORITY_HOST) must be an https:// URL")
    .default("https://login.microsoftonline.com"),
  /** The resource the test token is for: any resource works, the grant is what proves the secret. */
  scope: z.string().endsWith("/.default", "scope must end with /.default (client-credentials grant)").default("https://graph.microsoft.com/.default"),
});

export type SecretTesterSettings = z.input<typeof secretTesterSettingsSchema>;

/**
 * Proves a client secret by acquiring a token with it (client-credentials grant), exactly as a pipeline using
 * the secret would. A fresh credential per test keeps MSAL's token cache from answering for an old secret.
 */
export class ClientSecretTester implements SecretTester {
  private readonly authorityHost: string;
  private readonly scope: string;
  private readonly disableInstanceDiscovery: boolean;

  constructor(settings: SecretTesterSettings = {}) {
    const parsed = secretTesterSettingsSchema.safeParse(settings);
    if (!parsed.success) throw new Error(`Entra secret tester settings: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    this.authorityHost = parsed.data.authorityHost.replace(/\/+$/, "");
    this.scope = parsed.data.scope;
    this.disableInstanceDiscovery = !isMicrosoftAuthorityHost(this.authorityHost);
  }

  async test(tenantId: string, appId: string, secret: SecretValue): Promise<{ ok: true } | { ok: false; reason: string; retryable: boolean }> {
    let credential: ClientSecretCredential;
    try {
      credential = new ClientSecretCredential(tenantId, appId, secret.reveal(), {
        authorityHost: this.authorityHost,
        disableInstanceDiscovery: this.disableInstanceDiscovery,
      });
    } catch (error) {
      // The constructor only checks tenant and client id formats.
      return { ok: false, reason: `invalid tenant or client id for app ${appId} (${error instanceof Error ? error.name : "error"})`, retryable: false };
    }
    try {
      await credential.getToken(this.scope);
      return { ok: true };
    } catch (error) {
      const failure = classifyTokenFailure(error);
      return { ok: false, reason: `app ${appId}: ${failure.reason}`, retryable: failure.retryable };
    }
  }
}

export function createEntraSecretTester(settings: SecretTesterSettings = {}): ClientSecretTester {
  return new ClientSecretTester(settings);
}
