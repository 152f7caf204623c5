import { z } from "@hono/zod-openapi";
import type { Pattern } from "../../db/schema/patterns";

const unit = z.number().min(0).max(1);

export const TrackSchema = z
  .object({
    id: z.string().max(64).optional(),
    instrument: z.string().trim().min(1).max(40),
    steps: z
      .array(z.union([z.boolean(), unit]))
      .min(1)
      .max(64),
    volume: unit,
    pan: z.number().min(-1).max(1).optional(),
    muted: z.boolean().optional(),
    solo: z.boolean().optional(),
  })
  .strict()
  .openapi("Track");

export const MixerSchema = z
  .object({
    masterVolume: unit.optional(),
    swing: unit.optional(),
    effects: z.record(z.string().max(40), z.union([z.number(), z.boolean(), z.string().max(100)])).optional(),
  })
  .strict()
  .openapi("Mixer");

const fields = {
  name: z.string().trim().min(1).max(120),
  tempo: z.number().int().min(20).max(300).openapi({ description: "Beats per minute" }),
  tracks: z.array(TrackSchema).max(64),
  mixer: MixerSchema,
  isPublic: z.boolean(),
};

export const CreatePatternBody = z
  .object({
    id: z
      .uuid()
      .optional()
      .openapi({ description: "Client-made id (offline creation); a repeat is idempotent." }),
    ...fields,
    mixer: fields.mixer.default({}),
    isPublic: fields.isPublic.default(false),
  })
  .strict()
  .openapi("CreatePattern");

export const PutPatternBody = z
  .object({ ...fields, mixer: fields.mixer.default({}), isPublic: fields.isPublic.default(false) })
  .strict()
  .openapi("ReplacePattern");

export const PatchPatternBody = z
  .object(fields)
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, "send at least one field")
  .openapi("UpdatePattern");

export const PatternSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    tempo: z.number().int(),
    tracks: z.array(TrackSchema),
    mixer: MixerSchema,
    isPublic: z.boolean(),
    version: z.number().int(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    deletedAt: z.iso.datetime().nullable(),
  })
  .openapi("Pattern");

export type PatternDto = z.infer<typeof PatternSchema>;

/** A pattern as the API shows it. */
export function toPatternDto(p: Pattern): PatternDto {
  return {
    id: p.id,
    name: p.name,
    tempo: p.tempo,
    tracks: p.tracks as PatternDto["tracks"],
    mixer: p.mixer,
    isPublic: p.isPublic,
    version: p.version,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
    deletedAt: p.deletedAt?.toISOString() ?? null,
  };
}

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
