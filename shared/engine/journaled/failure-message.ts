import type { SecretValue } from "../../domain/secret-value.js";

const maxLength = 500;

/**
 * The message of an error, for the journal, the audit and the result. Adapters already keep values out of
 * their errors; this also blanks any value the run holds, in case something else (a proxy's error page
 * echoing a request) put one there.
 */
export function failureMessage(error: unknown, held: Array<SecretValue | undefined>): string {
  let message = error instanceof Error ? `${error.message}` : typeof error === "string" ? error : "unknown error";
  for (const value of held) {
    const revealed = value?.reveal();
    if (revealed && revealed.length >= 4) message = message.split(revealed).join("[redacted]");
  }
  return message.length > maxLength ? `${message.slice(0, maxLength)}…` : message;
}
