import { describe, expect, it, afterAll } from "vitest";
import { Emulator } from "../sandbox/core/emulator.js";
import { defaultTlsDir, ensureSandboxTls } from "../sandbox/core/ca.js";

describe("sandbox TLS and emulator core", () => {
  const emulator = new Emulator({
    name: "echo",
    errorShape: (status, message) => ({ status, json: { message } }),
    routes: [{ name: "echo", method: "GET", pattern: "/echo/:word", handler: (req) => ({ status: 200, json: { word: req.params.word } }) }],
  });
  afterAll(() => emulator.close());

  it("serves HTTPS that Node trusts through NODE_EXTRA_CA_CERTS, with fault knobs and a request log", async () => {
    const base = await emulator.start(ensureSandboxTls(defaultTlsDir()));
    const ok = await fetch(`${base}/echo/hello`);
    expect(await ok.json()).toEqual({ word: "hello" });

    emulator.faults.set("echo", { rateLimitEvery: 1, retryAfterSeconds: 7 });
    const limited = await fetch(`${base}/echo/again`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect(await limited.json()).toEqual({ message: "Rate limit exceeded." });

    expect(emulator.log.entries.map((e) => e.status)).toEqual([200, 429]);
  });
});
