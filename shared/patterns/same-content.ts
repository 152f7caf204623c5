/** What makes two versions of a pattern the same content; the worker and the SDK's stub both ask. */

/** The fields that are a pattern's content (not its id, version or timestamps). */
export type PatternContent = {
  name: string;
  tempo: number;
  isPublic: boolean;
  tracks: unknown;
  mixer: unknown;
};

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

/** Whether two patterns hold exactly the same content (an idempotent repeat of a creation). */
export function sameContent(a: PatternContent, b: PatternContent): boolean {
  const content = (x: PatternContent) => canonical([x.name, x.tempo, x.isPublic, x.tracks, x.mixer]);
  return content(a) === content(b);
}
