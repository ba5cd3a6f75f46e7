/** Status and service error code of a failed call, never its message (it may echo a request). */
export function observed(error: unknown): { status?: number; code?: string; text: string } {
  const fields = (error ?? {}) as { status?: unknown; code?: unknown; name?: unknown };
  const status = typeof fields.status === "number" ? fields.status : undefined;
  const code = typeof fields.code === "string" ? fields.code : undefined;
  const name = typeof fields.name === "string" ? fields.name : "Error";
  return { status, code, text: [status, code ?? name].filter((v) => v !== undefined).join(" ") };
}
