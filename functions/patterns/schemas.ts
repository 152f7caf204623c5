import type { Pattern } from "../../db/schema/patterns";

/** The `ETag` of a pattern version. */
export function etagOf(p: Pick<Pattern, "version">): string {
  return `"v${p.version}"`;
}

/** The version an `If-Match` header asks for (`3`, `"3"` or `"v3"`); undefined when absent. */
export function parseIfMatch(header: string | undefined): number | undefined | "invalid" {
  if (header === undefined) return undefined;
  const match = /^(?:W\/)?"?v?(\d{1,9})"?$/.exec(header.trim());
  return match ? Number(match[1]) : "invalid";
}
