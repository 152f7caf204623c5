import { z } from "@hono/zod-openapi";
import { iso } from "../../db/iso";
import type { Pattern } from "../../db/schema/patterns";
import { MixerSchema, TrackSchema } from "../schemas/patterns";

/** A pattern as the API answers it: the patterns and shares groups both show patterns. */
export const PatternSchema = z
  .object({
    id: z.uuid(),
    userId: z.uuid().openapi({
      description:
        "The owner's user id (no name or email); for a team's pattern, its author (a team owner once the author's account is deleted)",
    }),
    teamId: z
      .uuid()
      .nullable()
      .openapi({ description: "The team it belongs to; null for a personal pattern" }),
    authorId: z.uuid().openapi({
      description:
        "Who created it, or for a team's pattern the team owner it passed to when that account was deleted (the same as userId)",
    }),
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
    userId: p.userId,
    teamId: p.teamId,
    authorId: p.userId,
    name: p.name,
    tempo: p.tempo,
    tracks: p.tracks as PatternDto["tracks"],
    mixer: p.mixer,
    isPublic: p.isPublic,
    version: p.version,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
    deletedAt: iso(p.deletedAt),
  };
}
