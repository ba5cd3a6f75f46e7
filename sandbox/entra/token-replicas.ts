import type { DirectoryPassword } from "../graph/directory-state.js";

/**
 * One front end of Entra's token endpoint. Entra is replicated: a password added through Graph is accepted
 * by some front ends before others, and a removed one keeps working on some for a while. Observed delays for
 * a new client secret range from 4–18 s (microsoftgraph/microsoft-graph-docs#17966, "Latency SLA for
 * passwordCredentials") to minutes ("wait a few minutes", MicrosoftDocs/SupportArticles-docs#795); Microsoft
 * publishes no bound. Which replica answers a request is not visible to the client.
 */
export interface TokenReplica {
  /** A password added through Graph is refused by this replica (AADSTS7000215) for this many ms. */
  newSecretDelayMs: number;
  /** A password removed through Graph is still accepted by this replica for this many ms. */
  removalDelayMs: number;
}

/**
 * How requests reach replicas. Real Entra routes by load balancer and region and the choice is unknown:
 * "round-robin" spreads consecutive requests over every replica in turn; "random" picks one per request.
 */
export type ReplicaSpread = "round-robin" | "random";

export interface TokenReplicaKnobs {
  replicas: TokenReplica[];
  spread: ReplicaSpread;
}

/** A password Graph no longer lists, remembered so that lagging replicas can still accept it. */
export interface RemovedPassword {
  appId: string;
  password: DirectoryPassword;
  removedAt: number;
}

const within = (password: DirectoryPassword, at: number) =>
  at >= new Date(password.startDateTime).getTime() && at < new Date(password.endDateTime).getTime();

/** The replica set behind the token endpoint: picks the replica of each request and decides for it. */
export class TokenReplicas {
  private knobs: TokenReplicaKnobs = { replicas: [{ newSecretDelayMs: 0, removalDelayMs: 0 }], spread: "round-robin" };
  private turn = 0;

  get current(): TokenReplicaKnobs {
    return { replicas: this.knobs.replicas.map((r) => ({ ...r })), spread: this.knobs.spread };
  }

  set(knobs: { replicas: Array<Partial<TokenReplica>>; spread?: ReplicaSpread }): void {
    if (knobs.replicas.length === 0) throw new Error("token replicas: at least one replica");
    this.knobs = {
      replicas: knobs.replicas.map((r) => ({ newSecretDelayMs: r.newSecretDelayMs ?? 0, removalDelayMs: r.removalDelayMs ?? 0 })),
      spread: knobs.spread ?? "round-robin",
    };
    this.turn = 0;
  }

  /** The replica that answers the next request. */
  next(): TokenReplica {
    const { replicas, spread } = this.knobs;
    const index = spread === "random" ? Math.floor(Math.random() * replicas.length) : this.turn++ % replicas.length;
    return replicas[index]!;
  }

  /** Does `replica` accept a live password at `at`? Seeded passwords (no addedAt) are known everywhere. */
  acceptsLive(replica: TokenReplica, password: DirectoryPassword, at: number): boolean {
    if (!within(password, at)) return false;
    return password.addedAt === undefined || at - password.addedAt >= replica.newSecretDelayMs;
  }

  /** Does `replica` still accept a removed password at `at` (it has not heard of the removal yet)? */
  acceptsRemoved(replica: TokenReplica, removed: RemovedPassword, at: number): boolean {
    if (at - removed.removedAt >= replica.removalDelayMs) return false;
    return this.acceptsLive(replica, removed.password, at);
  }

  /** For tests: the verdict of every replica at once, without moving the spread. */
  verdicts(decide: (replica: TokenReplica) => boolean): boolean[] {
    return this.knobs.replicas.map(decide);
  }
}
