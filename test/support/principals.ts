/**
 * x-ms-client-principal headers for the HTTP functions' tests, and the fuzzed ones their property tests throw
 * at them: missing, invalid (not Base64, not JSON, not a principal) and valid principals without the role.
 */
import fc from "fast-check";

export const nameClaim = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name";

export const encode = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64");

/** A principal of eve@contoso.example with these extra claims ("roles" is the role claim type). */
export const principalWith = (claims: Array<{ typ: string; val: string }>) =>
  encode({ auth_typ: "aad", name_typ: nameClaim, role_typ: "roles", claims: [{ typ: nameClaim, val: "eve@contoso.example" }, ...claims] });

export const printable = (min: number, max: number) => fc.stringMatching(new RegExp(`^[\\x20-\\x7e]{${min},${max}}$`));

export type PrincipalCase = { kind: "good" | "missing" | "invalid" | "no-role"; text?: string };

/** Principals: good ones hold one of `accepted`; "no-role" ones hold near misses (case, spaces, other claim types). */
export function principalCases(accepted: readonly string[], nearMisses: readonly string[]): fc.Arbitrary<PrincipalCase> {
  return fc.oneof(
    fc.constantFrom(...accepted).map((role) => ({ kind: "good" as const, text: principalWith([{ typ: "roles", val: role }]) })),
    fc.constantFrom(undefined, "", "   ").map((text) => ({ kind: "missing" as const, text })),
    fc
      .oneof(
        printable(1, 60).filter((t) => t.trim() !== ""),
        fc.uint8Array({ minLength: 1, maxLength: 60 }).map((bytes) => Buffer.from(bytes).toString("base64")),
        fc.json({ maxDepth: 2 }).map(encode),
        fc.constantFrom(encode({ claims: "roles" }), encode({ claims: [{ typ: "roles" }] }), encode([]), encode({ auth_typ: 1, claims: [] }), `${encode({ claims: [] })}!`),
      )
      .map((text) => ({ kind: "invalid" as const, text })),
    fc
      .array(fc.record({ typ: fc.constantFrom("roles", "groups", "scp", nameClaim), val: fc.oneof(fc.string({ maxLength: 16 }), fc.constantFrom(...nearMisses, ...accepted)) }), { maxLength: 4 })
      .filter((claims) => !claims.some((c) => c.typ === "roles" && accepted.includes(c.val)))
      .map((claims) => ({ kind: "no-role" as const, text: principalWith(claims) })),
  );
}

export const authOn = fc.constantFrom("True", "true", "1");
export const authOff = fc.constantFrom(undefined, "False", "false", "");

/** Headers a caller may add that must change nothing. */
export const extraHeaders = fc.dictionary(fc.constantFrom("content-type", "x-ms-client-principal-name", "x-ms-client-principal-id", "x-functions-key", "x-forwarded-for"), printable(0, 30), { maxKeys: 3 });

/** What a caller with this principal is told first. */
export const principalStatus = { missing: 401, invalid: 400, "no-role": 403 } as const;
