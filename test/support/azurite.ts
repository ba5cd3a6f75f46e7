/**
 * Azurite (from node_modules) for tests: the table and queue services on free loopback ports, in memory.
 *
 *   const azurite = await startAzurite();      // ~1 s
 *   azurite.connectionString                   // AzureWebJobsStorage for both services
 *   await azurite.stop();
 *
 * `sharedAzurite()` gives one instance per test process (vitest runs each file in its own fork), started on
 * first use and stopped when the process exits; give each test its own tables (see state-stores.ts).
 *
 * Each service runs in a child process that also exits when its stdin closes, i.e. when this process dies
 * in any way (even SIGKILL), so no Azurite outlives a failed or killed test run.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** The well-known Azurite/Storage Emulator development account (public, not a secret). */
export const DEV_ACCOUNT = "devstoreaccount1";
export const DEV_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface Azurite {
  connectionString: string;
  tableEndpoint: string;
  queueEndpoint: string;
  stop(): Promise<void>;
}

type Service = "table" | "queue";

const azuriteDir = dirname(createRequire(import.meta.url).resolve("azurite/package.json"));
const START_TIMEOUT_MS = 20_000;
const running = new Set<ChildProcess>();

process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

// Runs Azurite's entry with argv as it expects, and dies with its parent (stdin EOF).
const childBootstrap = `
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
const [main, ...args] = process.argv.slice(1);
process.argv = [process.argv[0], main, ...args];
require(main);
`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function startService(service: Service, port: number): Promise<ChildProcess> {
  const main = join(azuriteDir, "dist", "src", service, "main.js");
  const args = [`--${service}Host`, "127.0.0.1", `--${service}Port`, String(port), "--inMemoryPersistence", "--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry"];
  const child = spawn(process.execPath, ["-e", childBootstrap, main, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  running.add(child);
  child.once("exit", () => running.delete(child));
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => fail(new Error(`Azurite ${service} did not start within ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/successfully (started|listens)/.test(output)) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        // Keep draining so a full pipe never blocks the child.
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(child);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => fail(new Error(`Azurite ${service} exited with ${code} before it started:\n${output}`)));
  });
}

/** Starts a service on a free port, trying another port if the one picked was taken meanwhile. */
async function startOnFreePort(service: Service): Promise<{ child: ChildProcess; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return { child: await startService(service, port), port };
    } catch (error) {
      if (attempt >= 3 || !String(error).includes("EADDRINUSE")) throw error;
    }
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

export async function startAzurite(): Promise<Azurite> {
  const [table, queue] = await Promise.allSettled([startOnFreePort("table"), startOnFreePort("queue")]);
  if (table.status === "rejected" || queue.status === "rejected") {
    for (const started of [table, queue]) if (started.status === "fulfilled") await stopChild(started.value.child);
    throw table.status === "rejected" ? table.reason : (queue as PromiseRejectedResult).reason;
  }
  const tableEndpoint = `http://127.0.0.1:${table.value.port}/${DEV_ACCOUNT}`;
  const queueEndpoint = `http://127.0.0.1:${queue.value.port}/${DEV_ACCOUNT}`;
  return {
    tableEndpoint,
    queueEndpoint,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_ACCOUNT_KEY};TableEndpoint=${tableEndpoint};QueueEndpoint=${queueEndpoint};`,
    stop: async () => {
      await Promise.all([stopChild(table.value.child), stopChild(queue.value.child)]);
    },
  };
}

let shared: Promise<Azurite> | undefined;

/** One Azurite per test process, started on first call; stopped when the process exits. */
export function sharedAzurite(): Promise<Azurite> {
  shared ??= startAzurite().catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}
