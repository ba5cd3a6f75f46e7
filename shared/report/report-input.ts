import type { HealthView } from "../domain/self-watch/cycle-health.js";
import type { Plan, ReadSource } from "../domain/finding.js";
import type { AuditEntry } from "../ports/state-store.js";

/** Stages of an OIDC migration (architecture: planned -> federated -> waiting -> retired, or rolled-back). */
export type MigrationStage = "planned" | "federated" | "waiting" | "retired" | "rolled-back";

/** What the rotation and migration journals say of one credential; filled by the rotation/migration work. */
export interface CredentialProgress {
  /** Journal state of the credential's rotation ("minted", "stored", "pushed", …); "retired" means it finished. */
  rotation?: string;
  migration?: MigrationStage;
}

export interface ReportInput {
  plan: Plan;
  /** Newest first, as StateStore.listAudit returns them; the page shows at most `auditLimit`. */
  audit: readonly AuditEntry[];
  /** When the page is rendered: the header's time and the audit list's "… ago". */
  now: Date;
  title?: string;
  /** The policy's alerts.thresholdsDays: one "within N days" total and one dashed line on the chart each. */
  thresholdsDays?: readonly number[];
  /** By credential name (WatchedCredential.credential). */
  states?: Readonly<Record<string, CredentialProgress>>;
  /** The watchdog's own health (last cycle, failures in a row, next timer run), shown in the header. */
  health?: HealthView;
  /** When the page is served from the stored read: when its sources were read, and by whom (the header says so). */
  read?: ReadSource & { takenAt: string; complete: boolean };
}
