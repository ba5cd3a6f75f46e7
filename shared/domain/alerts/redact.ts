/**
 * Removes the secret parts of a webhook URL from a text before it is stored or shown. Slack and
 * Teams webhook URLs are secrets in their path and query, so only the host may ever appear.
 */
export function redactUrlParts(text: string, url: string): string {
  const pieces = new Set<string>([url]);
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed) {
    pieces.add(parsed.href);
    const tail = parsed.pathname + parsed.search;
    if (tail.length > 1) pieces.add(tail);
    if (parsed.pathname.length > 1) pieces.add(parsed.pathname);
    if (parsed.search) pieces.add(parsed.search);
    // Short segments ("webhooks", "api") are not secret and replacing them would garble messages.
    for (const segment of parsed.pathname.split("/")) if (segment.length >= 8) pieces.add(segment);
    for (const value of parsed.searchParams.values()) if (value.length >= 4) pieces.add(value);
    if (parsed.username) pieces.add(parsed.username);
    if (parsed.password) pieces.add(parsed.password);
  }
  let result = text;
  // Longest first, so a whole URL is replaced before its parts.
  for (const piece of [...pieces].filter((p) => p.length > 0).sort((a, b) => b.length - a.length)) {
    result = result.split(piece).join("[redacted]");
  }
  return result;
}

/** "name (kind, host)": how a sink is named wherever it is mentioned; never its path or query. */
export function describeSink(sink: { name: string; kind: string; url: string }): string {
  let host = "invalid URL";
  try {
    host = new URL(sink.url).host;
  } catch {
    // keep "invalid URL": the URL itself may be a secret, so it is not echoed
  }
  return `webhook "${sink.name}" (${sink.kind}, ${host})`;
}
