// Escaping for the two places report data lands in the page: HTML text/attributes, and the JSON island.
// Paths come from untrusted images, so a member named `</script><img onerror=...>` must stay text.

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Safe in element content and in quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * JSON for a `<script type="application/json">` element. Escaping every `<` covers `</script` and
 * `<!--` (which would switch the HTML tokenizer into script-data-escaped states); U+2028/2029 are
 * escaped because older JS engines treat them as line terminators inside string literals.
 */
export function jsonForScript(value: unknown): string {
  return scriptSafe(JSON.stringify(value));
}

/** JSON text made safe for a `<script type="application/json">` element (see jsonForScript). */
export function scriptSafe(json: string): string {
  return json
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
