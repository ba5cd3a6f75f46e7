/**
 * Real headless Chromium for the page tests, driven by playwright-core (which ships no browser of its own): the
 * one `npm test` unpacks from the npm package @sparticuz/chromium (scripts/ensure-browser.mjs), or a system
 * Chromium named by CHROMIUM_PATH; and a loopback HTTP server that answers with exactly the headers and body given, as
 * the Function App would.
 *
 *   const browser = await launchChromium();            // throws how to install it when it is missing
 *   const site = await servePage({ body: html, headers: { "Content-Security-Policy": csp } });
 *   const visit = await browser.visit(site.url);       // console errors, failed requests, dialogs seen
 *   ...; await site.close(); await browser.close();
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

/** Set by scripts/test.mjs (npm test); CHROMIUM_PATH may also name a system Chromium such as /usr/bin/chromium. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? "";
/** The NSS libraries the packaged browser needs on a machine that has none (scripts/ensure-browser.mjs). */
const chromiumLibraryPath = process.env.CHROMIUM_LIBRARY_PATH;

/** Flags this machine needs: no sandbox (root), no GPU, and no traffic of Chromium's own to anywhere. */
const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Visit {
  page: Page;
  /** console.error messages, uncaught page errors and CSP violations, as text. */
  errors: string[];
  /** Requests that failed or were blocked (CSP, network). */
  failed: string[];
  /** Every URL the page asked for, the page itself included. */
  requested: string[];
  /** Messages of alert/confirm/prompt dialogs that opened (each is dismissed). */
  dialogs: string[];
}

export interface Chromium {
  visit(url: string): Promise<Visit>;
  close(): Promise<void>;
}

export interface ChromiumOptions {
  /** Ignore the page's Content-Security-Policy, to test what escaping alone prevents. */
  bypassCSP?: boolean;
  viewport?: { width: number; height: number };
  /** Where the browser is; the one npm test prepared by default. */
  executablePath?: string;
}

export async function launchChromium(options: ChromiumOptions = {}): Promise<Chromium> {
  const executablePath = options.executablePath ?? chromiumPath;
  if (!executablePath || !existsSync(executablePath)) {
    throw new Error(
      `No Chromium at "${executablePath}"; the page tests need a real browser. Run them with \`npm test\` after \`npm ci\` ` +
        "(it unpacks the one @sparticuz/chromium ships), or point CHROMIUM_PATH at a system Chromium " +
        "(apt-get update && apt-get install -y chromium; CHROMIUM_PATH=/usr/bin/chromium).",
    );
  }
  const profile = await mkdtemp(join(tmpdir(), "watchdog-chromium-"));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      ...(chromiumLibraryPath ? { env: { ...process.env, LD_LIBRARY_PATH: chromiumLibraryPath } } : {}),
      args: chromiumArgs,
      bypassCSP: options.bypassCSP ?? false,
      viewport: options.viewport ?? { width: 1280, height: 900 },
    });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  return {
    async visit(url) {
      const page = await context.newPage();
      const visit: Visit = { page, errors: [], failed: [], requested: [], dialogs: [] };
      page.on("console", (message) => {
        if (message.type() === "error" || message.type() === "warning") visit.errors.push(`${message.type()}: ${message.text()}`);
      });
      page.on("pageerror", (error) => visit.errors.push(`pageerror: ${error.message}`));
      page.on("request", (request) => visit.requested.push(request.url()));
      page.on("requestfailed", (request) => visit.failed.push(`${request.url()} (${request.failure()?.errorText ?? "failed"})`));
      page.on("dialog", (dialog) => {
        visit.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
        void dialog.dismiss();
      });
      await page.goto(url, { waitUntil: "load" });
      return visit;
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export interface ServedPage {
  url: string;
  /** Paths the server was asked for, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** Serves one response on 127.0.0.1 (a fresh port) at every path; only GET / is expected. */
export async function servePage(response: { status?: number; headers: Record<string, string>; body: string }): Promise<ServedPage> {
  const requests: string[] = [];
  const server = createServer((request, reply) => {
    requests.push(`${request.method ?? "?"} ${request.url ?? "?"}`);
    if (request.url !== "/") {
      reply.writeHead(404).end();
      return;
    }
    reply.writeHead(response.status ?? 200, response.headers).end(response.body);
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((closed) => {
        server.close(() => closed());
        // Chromium keeps its connection alive; close() alone would wait for it until the browser is gone.
        server.closeAllConnections();
      }),
  };
}
