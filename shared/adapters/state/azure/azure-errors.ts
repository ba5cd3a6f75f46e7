/**
 * Turns SDK failures into errors that name the operation, table and key. The SDK's own error object is
 * not attached: it carries the request (with the entity body and, for SAS, a signed URL) and would print
 * it when logged. What is kept: the HTTP status, the service's error code, or for a failure before any
 * response (network, policy) its code or message with URLs blanked out.
 */

export interface ServiceFailure {
  status?: number;
  code?: string;
  reason?: string;
}

const url = /\b[a-z][a-z0-9+.-]*:\/\/\S+/gi;

export function serviceFailure(error: unknown): ServiceFailure {
  if (typeof error !== "object" || error === null) return {};
  const record = error as { statusCode?: unknown; code?: unknown; message?: unknown };
  const status = typeof record.statusCode === "number" ? record.statusCode : undefined;
  const code = typeof record.code === "string" ? record.code : undefined;
  const reason =
    status === undefined && code === undefined && typeof record.message === "string"
      ? record.message.split("\n")[0]?.replace(url, "<url>").slice(0, 200)
      : undefined;
  return { status, code, reason };
}

export class StateStoreError extends Error {
  constructor(
    readonly operation: string,
    readonly where: string,
    readonly failure: ServiceFailure,
  ) {
    const detail = [failure.status !== undefined ? `HTTP ${failure.status}` : undefined, failure.code, failure.reason].filter(Boolean).join(" ");
    super(`state ${operation} ${where} failed${detail ? `: ${detail}` : ""}`);
    this.name = "StateStoreError";
  }
}
