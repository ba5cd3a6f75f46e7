import { z } from "zod";
import { literalAddress, refusedAddress } from "../outgoing-address.js";

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * A receiver URL: https, or http to this machine only (local receivers in tests and demos), never an IP
 * literal inside the network (outgoing-address.ts); names are checked again where they resolve, at send time.
 * Slack and Teams URLs carry their own credential, so the URL itself is never quoted back.
 */
export const webhookUrl = z.string().superRefine((text, ctx) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    ctx.addIssue({ code: "custom", message: "expected an absolute URL (https://…)" });
    return;
  }
  const literal = literalAddress(url.hostname);
  const refused = literal === undefined ? undefined : refusedAddress(literal, { allowLoopback: true });
  if (refused) {
    ctx.addIssue({ code: "custom", message: `its host is ${refused}: alerts are sent only to public addresses (or loopback, outside a Function App)` });
    return;
  }
  if (url.protocol === "https:") return;
  if (url.protocol === "http:" && isLoopback(url.hostname)) return;
  ctx.addIssue({ code: "custom", message: "must be an https URL (http is allowed only for localhost, 127.0.0.1 and ::1)" });
});
