import { spawnSync } from "node:child_process";

/** What one fresh process requires: one entry bundle, or every entry as the Functions host loads `main`. */
export interface Load {
  label: string;
  files: string[];
}

export interface LoadTime extends Load {
  medianMs: number;
  aboveBareMs: number;
  /** The first line of what the process printed as an error while loading, if it failed. */
  failure?: string;
}

export interface ColdStart {
  runs: number;
  bareMs: number;
  loads: LoadTime[];
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

function timeNode(code: string, env: NodeJS.ProcessEnv): { ms: number; status: number | null; stderr: string } {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ["-e", code], { env, encoding: "utf8", stdio: ["ignore", "ignore", "pipe"] });
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, status: result.status, stderr: result.stderr };
}

/**
 * What a cold Functions worker pays before its first invocation: a fresh `node` requiring entry bundles,
 * against a fresh `node -e 0`. Runs alternate so that all see the same machine load; medians are reported.
 */
export function measureColdStart(loads: Load[], runs: number): ColdStart {
  const env = { ...process.env };
  Reflect.deleteProperty(env, "NODE_EXTRA_CA_CERTS");
  const bare: number[] = [];
  const times = loads.map(() => [] as number[]);
  const failures = new Map<number, string>();
  for (let i = 0; i < runs; i++) {
    bare.push(timeNode("0", env).ms);
    loads.forEach((load, index) => {
      const run = timeNode(load.files.map((file) => `require(${JSON.stringify(file)});`).join(""), env);
      times[index]!.push(run.ms);
      if (run.status !== 0 && !failures.has(index)) {
        failures.set(index, run.stderr.split("\n").find((line) => /Error/.test(line))?.trim() ?? `exit status ${run.status}`);
      }
    });
  }
  const bareMs = median(bare);
  return {
    runs,
    bareMs,
    loads: loads.map((load, index) => {
      const medianMs = median(times[index]!);
      const failure = failures.get(index);
      return { ...load, medianMs, aboveBareMs: medianMs - bareMs, ...(failure ? { failure } : {}) };
    }),
  };
}
