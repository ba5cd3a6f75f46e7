import { fnv1a128Hex } from "../../domain/alerts/alert-id.js";

// Both state adapters cap keys at 160 characters; CircleCI variable names alone may be 300.
const maxKeyLength = 160;

/** `text` itself when it fits a state key, else a readable head plus a hash of the whole. */
export function stateKey(text: string): string {
  if (text.length <= maxKeyLength) return text;
  return `${text.slice(0, maxKeyLength - 40)}~${fnv1a128Hex(text)}`;
}

export function ledgerStateKey(credential: string): string {
  return stateKey(credential);
}

/** One outbox record per alert and sink: `<alertId>|<sink>`. */
export function outboxStateKey(alertId: string, sink: string): string {
  return stateKey(`${alertId}|${sink}`);
}
