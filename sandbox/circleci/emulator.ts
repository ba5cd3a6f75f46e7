import type { SandboxTls } from "../core/ca.js";
import { Emulator, type ErrorShaper } from "../core/emulator.js";
import type { FaultInjector } from "../core/faults.js";
import type { RequestLog } from "../core/request-log.js";
import type { CircleWorld } from "../world/spec.js";
import { contextEnvVarRoutes } from "./routes-context-envvar.js";
import { contextRoutes } from "./routes-context.js";
import { projectRoutes, type ProjectTimestampStyle } from "./routes-project.js";
import { userRoutes } from "./routes-user.js";
import { CircleCiState } from "./state.js";

export interface CircleCiEmulatorOptions {
  /** Items per page of every paged listing; CircleCI chooses it server-side (no page-size parameter). */
  pageSize?: number;
  /** The emulator's clock: it stamps created_at/updated_at of what clients write. */
  now?: () => Date;
  /** Share one request log across emulators. */
  log?: RequestLog;
  /** Format of project variables' `created-at` (default ISO 8601). */
  projectTimestampStyle?: ProjectTimestampStyle;
}

/** Names of every route, for fault knobs (`faults.set(name, …)`) and request-log assertions. */
export const circleCiRouteNames = [
  "me",
  "me.collaborations",
  "context.list",
  "context.create",
  "context.get",
  "context.delete",
  "context.envvar.list",
  "context.envvar.put",
  "context.envvar.delete",
  "project.get",
  "project.envvar.list",
  "project.envvar.create",
  "project.envvar.get",
  "project.envvar.delete",
  "v1.projects",
] as const;

export type CircleCiRouteName = (typeof circleCiRouteNames)[number];

const circleErrorShape: ErrorShaper = (status, message) => ({ status, json: { message } });

/**
 * CircleCI API v2 (and the one API v1.1 listing the watchdog uses) over HTTPS on 127.0.0.1.
 * Point a client at `CIRCLECI_API_URL = ${url}/api/v2`.
 */
export class CircleCiEmulator {
  readonly state: CircleCiState;
  private readonly emulator: Emulator;

  constructor(world: CircleWorld, options: CircleCiEmulatorOptions = {}) {
    const pageSize = options.pageSize ?? 20;
    if (!Number.isInteger(pageSize) || pageSize < 1) throw new Error(`CircleCI emulator: pageSize must be a positive integer, got ${pageSize}`);
    const now = options.now ?? (() => new Date());
    this.state = new CircleCiState(world, now);
    const routeOptions = { state: this.state, pageSize };
    this.emulator = new Emulator(
      {
        name: "circleci",
        errorShape: circleErrorShape,
        routes: [
          ...userRoutes(this.state),
          ...contextEnvVarRoutes(routeOptions),
          ...contextRoutes(routeOptions),
          ...projectRoutes({ ...routeOptions, timestampStyle: options.projectTimestampStyle ?? "iso" }),
        ],
      },
      options.log,
    );
  }

  start(tls: SandboxTls, port?: number): Promise<string> {
    return this.emulator.start(tls, port);
  }

  close(): Promise<void> {
    return this.emulator.close();
  }

  /** https://127.0.0.1:<port> — the API v2 base is `${url}/api/v2`. */
  get url(): string {
    return this.emulator.url;
  }

  get apiUrl(): string {
    return `${this.emulator.url}/api/v2`;
  }

  get faults(): FaultInjector {
    return this.emulator.faults;
  }

  get log(): RequestLog {
    return this.emulator.log;
  }
}
