/** Escapes text for HTML content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** A table cell's content: text (escaped), a number, trusted markup, or nothing. */
export type Cell = string | number | null | undefined | { readonly html: string };

/** Marks already-safe markup (e.g. an inline SVG) so a table does not escape it. */
export function raw(html: string): { readonly html: string } {
  return { html };
}

/**
 * A plain HTML table. Numbers are right-aligned (class `num`) and printed
 * with thousands separators; text is escaped.
 */
export function htmlTable(
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
  options: { readonly className?: string; readonly numeric?: readonly boolean[] } = {},
): string {
  const cell = (value: Cell, index: number, tag: "td" | "th") => {
    const numeric = options.numeric?.[index] ?? (typeof value === "number" && tag === "td");
    const attrs = numeric ? ' class="num"' : "";
    if (value === null || value === undefined) return `<${tag}${attrs}></${tag}>`;
    if (typeof value === "object") return `<${tag}${attrs}>${value.html}</${tag}>`;
    const text =
      typeof value === "number"
        ? Number.isInteger(value)
          ? value.toLocaleString("en-US")
          : value.toLocaleString("en-US", { maximumFractionDigits: 3 })
        : value;
    return `<${tag}${attrs}>${escapeHtml(text)}</${tag}>`;
  };
  const head = `<tr>${headers.map((h, i) => cell(h, i, "th")).join("")}</tr>`;
  const body = rows.map((row) => `<tr>${row.map((v, i) => cell(v, i, "td")).join("")}</tr>`);
  const className = options.className ? ` class="${escapeHtml(options.className)}"` : "";
  return `<table${className}><thead>${head}</thead><tbody>${body.join("")}</tbody></table>`;
}
