import { spawn } from "node:child_process";
import { resolve } from "node:path";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (`dist/cli.js`, what `npx watchdog` runs) with exactly the given environment (and `stdin` piped in, when given). */
export function runBuiltCli(args: string[], env: Record<string, string>, stdin?: string): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [resolve("dist/cli.js"), ...args], { env: { PATH: process.env.PATH ?? "", ...env }, stdio: "pipe" });
    // Nothing on stdin is an empty stdin, as a command run without a terminal gets.
    child.stdin.end(stdin ?? "");
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", fail);
    child.on("exit", (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}
