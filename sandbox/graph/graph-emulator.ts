import { Emulator, type Route } from "../core/emulator.js";
import type { RequestLog } from "../core/request-log.js";
import type { TokenRegistry } from "../core/tokens.js";
import type { DirectoryState } from "./directory-state.js";
import type { GraphContext, GraphKnobs, MissingCredentialAnswer, PolicyRefusalAnswer } from "./graph-context.js";
import { graphBadRequest, graphErrorShape } from "./graph-errors.js";
import { applicationRoutes } from "./routes/applications.js";
import { batchRoute } from "./routes/batch.js";
import { federatedCredentialRoutes } from "./routes/federated-credentials.js";
import { passwordRoutes } from "./routes/passwords.js";
import { policyRoutes } from "./routes/policies.js";
import { reportRoutes } from "./routes/reports.js";
import { signInLogRoutes } from "./routes/sign-in-log.js";

export interface GraphEmulatorOptions {
  /** The tenant, shared with the Entra emulator. */
  state: DirectoryState;
  /** Where the Entra emulator's tokens are checked (audience https://graph.microsoft.com). */
  tokens: TokenRegistry;
  /** Largest page answered whatever `$top` says (Graph's own maximum is 999): a small value exercises paging. */
  maxPageSize?: number;
  /** Share one request log across emulators. */
  log?: RequestLog;
  /** How a removal of a credential that is not there is answered (default "sandbox-wording"). */
  missingCredentialAnswer?: MissingCredentialAnswer;
  /** How an addPassword beyond the app management policy is refused (default "policy-wording"). */
  policyRefusal?: PolicyRefusalAnswer;
}

/**
 * Microsoft Graph (`/v1.0` and the one `/beta` report) over HTTPS on 127.0.0.1. Point a client at
 * `GRAPH_API_URL = url`.
 */
export class GraphEmulator extends Emulator {
  readonly state: DirectoryState;
  private readonly knobs: GraphKnobs;

  constructor(options: GraphEmulatorOptions) {
    const maxPageSize = options.maxPageSize ?? 999;
    if (!Number.isInteger(maxPageSize) || maxPageSize < 1) throw new Error(`Graph emulator: maxPageSize must be a positive integer, got ${maxPageSize}`);
    const knobs: GraphKnobs = { missingCredential: options.missingCredentialAnswer ?? "sandbox-wording", policyRefusal: options.policyRefusal ?? "policy-wording" };
    const context: GraphContext = { state: options.state, tokens: options.tokens, maxPageSize, host: {}, knobs };
    const routes: Route[] = [
      ...applicationRoutes(context),
      ...passwordRoutes(context),
      ...federatedCredentialRoutes(context),
      ...reportRoutes(context),
      ...signInLogRoutes(context),
      ...policyRoutes(context),
    ];
    super(
      {
        name: "graph",
        errorShape: graphErrorShape,
        routes: [...routes, batchRoute(context, () => routes)],
        notFound: (req) => graphBadRequest(`Resource not found for the segment '${req.path.split("/").filter(Boolean).pop() ?? ""}'.`, "BadRequest"),
      },
      options.log,
    );
    this.state = options.state;
    this.knobs = knobs;
    context.host.emulator = this;
  }

  /** How a removal of a credential that is not there is answered (see `MissingCredentialAnswer`). */
  get missingCredentialAnswer(): MissingCredentialAnswer {
    return this.knobs.missingCredential;
  }

  set missingCredentialAnswer(answer: MissingCredentialAnswer) {
    this.knobs.missingCredential = answer;
  }

  /** How an addPassword beyond the app management policy is refused (see `PolicyRefusalAnswer`). */
  get policyRefusal(): PolicyRefusalAnswer {
    return this.knobs.policyRefusal;
  }

  set policyRefusal(answer: PolicyRefusalAnswer) {
    this.knobs.policyRefusal = answer;
  }
}
