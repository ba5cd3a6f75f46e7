/**
 * Real headless Chromium for the page tests: Debian's `chromium` driven by playwright-core (which ships no
 * browser of its own), and a loopback HTTP server that answers with exactly the headers and body given, as
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

export const chromiumPath = "/usr/bin/chromium";

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
  /** Where the browser is; Debian's package by default. */
  executablePath?: string;
}

export async function launchChromium(options: ChromiumOptions = {}): Promise<Chromium> {
  const executablePath = options.executablePath ?? chromiumPath;
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium is not installed at ${executablePath}; the page tests need a real browser. Install it with: ` +
        "apt-get update && apt-get install -y chromium",
    );
  }
  const profile = await mkdtemp(join(tmpdir(), "watchdog-chromium-"));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
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
