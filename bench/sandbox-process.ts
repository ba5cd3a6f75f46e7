import { fork, type ChildProcess } from "node:child_process";
import { generateWorld, worldShapes, type WorldSize } from "../sandbox/world/generate.js";
import { startBenchSandbox, type Traffic } from "./bench-sandbox.js";
import type { WorldLimits } from "./conditions.js";

/** Given to the process that serves the emulators of one benchmark world. */
export const serveSandboxFlag = "--serve-sandbox";

type Command = { kind: "reset"; limits: WorldLimits } | { kind: "traffic" } | { kind: "close" };
type Reply = { kind: "started"; env: Record<string, string>; policyYaml: string } | { kind: "reset" } | { kind: "traffic"; traffic: Traffic };

export interface SandboxProcess {
  /** The settings that point the watchdog at the emulators. */
  env: Record<string, string>;
  /** The generated world's policy. */
  policyYaml: string;
  /** Full rate-limit buckets (or none: "unlimited") and an empty request log. */
  reset(limits: WorldLimits): Promise<void>;
  /** What each API answered since the last reset. */
  traffic(): Promise<Traffic>;
  close(): Promise<void>;
}

/**
 * The emulators run in a process of their own, so that the measured process holds the watchdog alone:
 * its CPU and RSS are the client's, and the emulators do not compete with it for one event loop.
 * Runs in that process: serves one world until told to close.
 */
export async function serveSandbox(size: WorldSize, now: Date): Promise<void> {
  const generated = generateWorld(worldShapes[size], now);
  const bench = await startBenchSandbox(generated, now);
  const reply = (message: Reply) => process.send?.(message);
  process.on("message", (command: Command) => {
    if (command.kind === "reset") {
      bench.reset(command.limits);
      reply({ kind: "reset" });
    } else if (command.kind === "traffic") {
      reply({ kind: "traffic", traffic: bench.traffic() });
    } else {
      void bench.close().then(() => process.exit(0));
    }
  });
  // The parent going away ends the emulators too.
  process.on("disconnect", () => process.exit(0));
  reply({ kind: "started", env: bench.sandbox.env, policyYaml: generated.policyYaml });
}

function nextReply(child: ChildProcess): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the sandbox process exited (${code ?? "signal"}) before it answered`));
    child.once("exit", onExit);
    child.once("message", (message: Reply) => {
      child.off("exit", onExit);
      resolve(message);
    });
  });
}

/** Starts the emulators for `size` in a child process (this same script, with `serveSandboxFlag`). */
export async function startSandboxProcess(size: WorldSize, now: Date): Promise<SandboxProcess> {
  const child = fork(process.argv[1] ?? "", [serveSandboxFlag, size, now.toISOString()], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const ask = async <K extends Reply["kind"]>(command: Command | undefined, kind: K): Promise<Extract<Reply, { kind: K }>> => {
    const answer = nextReply(child);
    if (command) child.send(command);
    const reply = await answer;
    if (reply.kind !== kind) throw new Error(`the sandbox process answered ${reply.kind} where ${kind} was expected`);
    return reply as Extract<Reply, { kind: K }>;
  };
  const started = await ask(undefined, "started");
  return {
    env: started.env,
    policyYaml: started.policyYaml,
    reset: async (limits) => {
      await ask({ kind: "reset", limits }, "reset");
    },
    traffic: async () => (await ask({ kind: "traffic" }, "traffic")).traffic,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.send({ kind: "close" } satisfies Command);
      await exited;
    },
  };
}
