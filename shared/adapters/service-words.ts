/**
 * The words an adapter's error may hold besides the status: our own, per status, and a service's error code when
 * it is shaped like a code. A service's message is free text that may echo the request (a value, a token), so no
 * error ever quotes one (README, the paragraph on errors).
 */

/** What an HTTP error status means for a call to `service`, in our words; `specific` words a status for one service. */
export function statusWords(service: string, status: number, specific: Partial<Record<number, string>> = {}): string {
  const own = specific[status];
  if (own !== undefined) return own;
  if (status === 400) return `${service} refused the request`;
  if (status === 401) return `${service} did not accept the token`;
  if (status === 403) return "access was refused";
  if (status === 404) return "not found";
  if (status === 409) return "a conflicting change is in the way";
  if (status === 429) return "too many requests";
  if (status >= 500) return `${service} failed to answer`;
  return "an unexpected status";
}

// Names of error codes and error classes: letters, digits and a few separators, never free text.
const codeShape = /^[A-Za-z][\w.-]{0,79}$/;

/** `code` when it is shaped like an error code (Request_ResourceNotFound, SecretNotFound), otherwise undefined. */
export const asErrorCode = (code: string | null | undefined): string | undefined => (code && codeShape.test(code) ? code : undefined);
