/** Request schemas of the patterns group, offline sync included. */
import * as z from "zod";

const unit = z.number().min(0).max(1);

/** How many named effects a pattern's mixer may carry. */
export const MAX_EFFECTS = 32;

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
  .meta({ id: "Track" });

export const MixerSchema = z
  .object({
    masterVolume: unit.optional(),
    swing: unit.optional(),
    effects: z
      .record(z.string().min(1).max(40), z.union([z.number(), z.boolean(), z.string().max(100)]))
      .refine((effects) => Object.keys(effects).length <= MAX_EFFECTS, `has more than ${MAX_EFFECTS} effects`)
      .meta({ maxProperties: MAX_EFFECTS })
      .optional(),
  })
  .strict()
  .meta({ id: "Mixer" });

/** The team a pattern belongs to (absent: the caller's personal patterns). */
const TeamIdField = z
  .uuid()
  .optional()
  .meta({ description: "A team you belong to: the request acts on that team's patterns." });

const fields = {
  name: z.string().trim().min(1).max(120),
  tempo: z.number().int().min(20).max(300).meta({ description: "Beats per minute" }),
  tracks: z.array(TrackSchema).max(64),
  mixer: MixerSchema,
  isPublic: z.boolean(),
};

export const CreatePatternBody = z
  .object({
    id: z
      .uuid()
      .optional()
      .meta({ description: "Client-made id (offline creation); a repeat is idempotent." }),
    teamId: TeamIdField,
    ...fields,
    mixer: fields.mixer.default({}),
    isPublic: fields.isPublic.default(false),
  })
  .strict()
  .meta({ id: "CreatePattern" });

export const PutPatternBody = z
  .object({ ...fields, mixer: fields.mixer.default({}), isPublic: fields.isPublic.default(false) })
  .strict()
  .meta({ id: "ReplacePattern" });

export const PatchPatternBody = z
  .object(fields)
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, "send at least one field")
  .meta({ id: "UpdatePattern" });

export const PatternIdParam = z.object({ id: z.uuid() });

export const IfMatchHeader = z.object({
  "if-match": z
    .string()
    .optional()
    .meta({ description: "Only write if the pattern is still at this version (its ETag)." }),
});

/** A change-sequence cursor as the patterns list and sync return it. */
const SeqCursor = z.string().regex(/^\d{1,15}$/, "is not a cursor this API returned");

export const ListPatternsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: SeqCursor.optional(),
  since: SeqCursor.optional(),
  teamId: TeamIdField,
});

/** One offline edit: create or replace (`upsert`) or delete, made on top of `baseVersion` (absent: new). */
export const PatternChangeSchema = z
  .object({
    op: z.enum(["upsert", "delete"]),
    id: z.uuid(),
    baseVersion: z.number().int().min(1).max(2_147_483_647).optional(),
    pattern: z.unknown().optional().meta({ description: "For upsert: the whole pattern (as PUT takes it)." }),
  })
  .meta({ id: "PatternChange" });

export const SyncPatternsBody = z
  .object({
    since: SeqCursor.default("0"),
    teamId: TeamIdField,
    changes: z.array(z.unknown()).max(100),
  })
  .strict()
  .meta({ id: "SyncRequest" });
