/** Request schemas of the lessons catalogue. */
import * as z from "zod";
import { DIFFICULTIES } from "../../db/enums";

export const Slug = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "must be a slug like drum-basics-1")
  .max(80);

export const LessonIdParam = z.object({ id: Slug });

export const LessonBody = z
  .object({
    id: Slug,
    title: z.string().trim().min(1).max(120),
    category: Slug,
    difficulty: z.enum(DIFFICULTIES),
    config: z
      .record(z.string().max(100), z.unknown())
      .refine((config) => JSON.stringify(config).length <= 16_384, "is larger than 16 KiB of JSON")
      .default({}),
    isPremium: z.boolean().default(false),
    position: z.number().int().min(0).max(10_000).default(0),
    published: z.boolean().default(true),
  })
  .strict()
  .meta({ id: "LessonInput" });

/** PUT /lessons/{id}: the lesson without its id (the path names it). */
export const ReplaceLessonBody = LessonBody.omit({ id: true });
