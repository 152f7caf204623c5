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

/** JSON with object keys sorted at every depth: Postgres jsonb does not keep key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Whether a stored pattern holds exactly this content (an idempotent repeat of its creation). */
export function sameContent(
  p: Pattern,
  input: Pick<Pattern, "name" | "tempo" | "isPublic" | "tracks" | "mixer">,
): boolean {
  const content = (x: typeof input) => canonical([x.name, x.tempo, x.isPublic, x.tracks, x.mixer]);
  return content(p) === content(input);
}
