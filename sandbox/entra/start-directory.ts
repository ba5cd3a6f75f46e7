import type { SandboxTls } from "../core/ca.js";
import type { RequestLog } from "../core/request-log.js";
import { TokenRegistry } from "../core/tokens.js";
import { DirectoryState } from "../graph/directory-state.js";
import { GraphEmulator } from "../graph/graph-emulator.js";
import type { EntraWorld } from "../world/spec.js";
import { EntraEmulator } from "./entra-emulator.js";
import type { IssuerKeys } from "./federated/index.js";
import type { TokenReplica } from "./token-replicas.js";

export interface DirectorySandbox {
  state: DirectoryState;
  tokens: TokenRegistry;
  entra: EntraEmulator;
  graph: GraphEmulator;
  /** IDENTITY_ENDPOINT, IDENTITY_HEADER, AZURE_AUTHORITY_HOST, AZURE_TENANT_ID and GRAPH_API_URL. */
  environment: Record<string, string>;
  close(): Promise<void>;
}

/** Starts the Entra and Graph emulators over one tenant. Pass `tokens` to share them with the Key Vault emulator. */
export async function startDirectorySandbox(
  world: EntraWorld,
  tls: SandboxTls,
  options: {
    tokens?: TokenRegistry;
    maxPageSize?: number;
    propagationDelayMs?: number;
    /** The token endpoint's replicas, each with its own delays for new and removed secrets. */
    replicas?: Array<Partial<TokenReplica>>;
    federatedPropagationDelayMs?: number;
    /** Where Entra finds external issuers' keys (jwt-bearer client assertions). */
    issuerKeys?: IssuerKeys;
    log?: RequestLog;
    now?: () => Date;
  } = {},
): Promise<DirectorySandbox> {
  const state = new DirectoryState(world, options.now);
  const tokens = options.tokens ?? new TokenRegistry();
  const entra = new EntraEmulator({
    state,
    tokens,
    propagationDelayMs: options.propagationDelayMs,
    replicas: options.replicas,
    federatedPropagationDelayMs: options.federatedPropagationDelayMs,
    ...(options.issuerKeys ? { issuerKeys: options.issuerKeys } : {}),
    log: options.log,
  });
  const graph = new GraphEmulator({ state, tokens, maxPageSize: options.maxPageSize, log: options.log });
  await entra.start(tls);
  await graph.start(tls);
  return {
    state,
    tokens,
    entra,
    graph,
    environment: { ...entra.environment, GRAPH_API_URL: graph.url },
    close: async () => {
      await Promise.all([entra.close(), graph.close()]);
    },
  };
}
