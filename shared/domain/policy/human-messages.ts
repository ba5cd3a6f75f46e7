import { z } from "zod";
import { closestWord } from "./closest-word.js";

/** The JSON-ish type of a value, for "got string": a type name only, never the value itself. */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (typeof value === "object") return "an object";
  return typeof value;
}

const expectedNames: Record<string, string> = {
  number: "a number",
  int: "an integer",
  string: "a string",
  boolean: "true or false",
  array: "a list",
  object: "an object (a mapping)",
};

const formatNames: Record<string, string> = {
  guid: "a GUID like 11111111-2222-3333-4444-555555555555",
  uuid: "a GUID like 11111111-2222-3333-4444-555555555555",
  url: "a URL",
};

function unknownKeysMessage(keys: readonly string[], known: readonly string[]): string {
  return keys
    .map((key) => {
      const meant = closestWord(key, known);
      return meant === undefined ? `unknown key ${JSON.stringify(key)}` : `unknown key ${JSON.stringify(key)} (did you mean ${JSON.stringify(meant)}?)`;
    })
    .join("; ");
}

function size(origin: string, count: number | bigint, unit: "least" | "most"): string {
  if (origin === "array" || origin === "set") return unit === "least" && count === 1 ? "must not be empty" : `must have at ${unit} ${count} item${count === 1 ? "" : "s"}`;
  if (origin === "string") return unit === "least" && count === 1 ? "must not be empty" : `must be at ${unit} ${count} characters long`;
  return `must be at ${unit} ${count}`;
}

/**
 * zod's issues in plain words ("expected a number, got string", `unknown key "foo"`, "required").
 * Messages describe the input's type at most — never the input — so a mistyped secret is not echoed.
 */
export const humanMessages: z.core.$ZodErrorMap = (issue) => {
  if ((issue.code === "invalid_type" || issue.code === "invalid_value") && issue.input === undefined) return "required";
  switch (issue.code) {
    case "invalid_type":
      return `expected ${expectedNames[issue.expected] ?? issue.expected}, got ${typeName(issue.input)}`;
    case "too_small":
      if (issue.origin === "number" || issue.origin === "int") {
        return issue.inclusive === false ? `must be greater than ${issue.minimum}` : `must be at least ${issue.minimum}`;
      }
      return size(issue.origin, issue.inclusive === false ? Number(issue.minimum) + 1 : issue.minimum, "least");
    case "too_big":
      if (issue.origin === "number" || issue.origin === "int") {
        return issue.inclusive === false ? `must be less than ${issue.maximum}` : `must be at most ${issue.maximum}`;
      }
      return size(issue.origin, issue.inclusive === false ? Number(issue.maximum) - 1 : issue.maximum, "most");
    case "invalid_format":
      return `expected ${formatNames[issue.format] ?? `the ${issue.format} format`}`;
    case "invalid_value":
      return `expected ${issue.values.map((value) => JSON.stringify(value)).join(" | ")}`;
    case "unrecognized_keys": {
      const known = issue.inst instanceof z.ZodObject ? Object.keys(issue.inst.shape) : [];
      return unknownKeysMessage(issue.keys, known);
    }
    case "not_multiple_of":
      return `must be a multiple of ${issue.divisor}`;
    case "invalid_union":
      return "does not match any of the allowed forms";
    case "invalid_key":
      return "has an invalid key";
    case "invalid_element":
      return "has an invalid element";
    case "custom":
      return issue.message ?? "is invalid";
  }
  return undefined;
};
