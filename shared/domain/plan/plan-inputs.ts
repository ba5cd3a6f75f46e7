import type { Finding, PlanStep, WatchedCredential } from "../finding.js";
import type { Policy } from "../policy/index.js";
import type { RotationBlock } from "../app-policy/index.js";
import type { CanonicalSnapshot } from "./canonical-snapshot.js";
import type { SourceCoverage } from "./source-coverage.js";

/** Everything a planning rule reads. */
export interface PlanInputs {
  snapshot: CanonicalSnapshot;
  coverage: SourceCoverage;
  policy: Policy;
  now: Date;
  vaultConfigured: boolean;
  /** Rotations Graph refused (journals in state blocked). */
  rotationBlocks: RotationBlock[];
}

/** What one rule contributes to the plan. */
export interface Contribution {
  credentials: WatchedCredential[];
  findings: Finding[];
  steps: PlanStep[];
}
