import { randomBytes, randomInt } from "node:crypto";

const alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
// Entra client secrets use this alphabet after their fixed "Q~" marker.
const secretAlphabet = `${alphanumeric}_.~-`;

function pick(alphabet: string, count: number): string {
  const bytes = randomBytes(count);
  let out = "";
  for (let i = 0; i < count; i++) out += alphabet[bytes[i]! % alphabet.length];
  return out;
}

/**
 * A new client secret shaped like Entra's: 40 characters, three characters, a digit, "Q~", then 34 more
 * (e.g. `abc8Q~...`). Clients must treat it as opaque; the shape only makes the sandbox look real.
 */
export function newSecretText(): string {
  return `${pick(alphanumeric, 3)}${randomInt(10)}Q~${pick(secretAlphabet, 34)}`;
}
