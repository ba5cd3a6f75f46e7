import { z } from "zod";

const prefix = "whsec_";
const minimumBytes = 24;

/** Bytes a base64 text decodes to, or undefined when it is not base64 (padding optional, as Standard Webhooks libraries accept). */
function base64Bytes(text: string): number | undefined {
  const body = text.replace(/={1,2}$/, "");
  if (!/^[A-Za-z0-9+/]+$/.test(body) || body.length % 4 === 1) return undefined;
  if (body.length !== text.length && text.length % 4 !== 0) return undefined;
  return Math.floor((body.length * 3) / 4);
}

/**
 * A Standard Webhooks signing secret: `whsec_` + base64 of at least 24 random bytes.
 * Messages say what is wrong with the shape, never what the text was.
 */
export const signingSecret = z.string().superRefine((text, ctx) => {
  if (!text.startsWith(prefix)) {
    ctx.addIssue({ code: "custom", message: "expected whsec_<base64> (a Standard Webhooks signing secret)" });
    return;
  }
  const bytes = base64Bytes(text.slice(prefix.length));
  if (bytes === undefined) ctx.addIssue({ code: "custom", message: "the part after whsec_ is not valid base64" });
  else if (bytes < minimumBytes) ctx.addIssue({ code: "custom", message: `must decode to at least ${minimumBytes} bytes (use 24–64 random bytes)` });
});
