/**
 * Markup that is safe by construction. Every name in a report comes from CircleCI, Entra or Key Vault and is
 * untrusted text, so the only way to build markup here is the `html` template tag, which escapes every
 * interpolated string. Escaping `& < > " '` makes a value inert in element text (HTML and SVG alike) and
 * inside *quoted* attribute values, the only two places this module ever interpolates into: never into
 * unquoted attributes, URLs, `<style>` or `<script>`.
 */

export class SafeHtml {
  /** Use `html` or `trustedHtml`; the constructor is public only so that `instanceof` works across modules. */
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup;
  }
}

export type HtmlValue = SafeHtml | string | number | null | undefined | false | readonly HtmlValue[];

const entities: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c] ?? c);
}

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.markup;
  if (Array.isArray(value)) return value.map(render).join("");
  if (value === null || value === undefined || value === false) return "";
  return escapeHtml(String(value));
}

/** `html\`<td>${name}</td>\``: strings and numbers are escaped, SafeHtml is inserted as is, arrays are joined. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0] ?? "";
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? "");
  });
  return new SafeHtml(out);
}

/** Markup written in this module's own source (a stylesheet, an icon); never pass outside text. */
export function trustedHtml(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
