/** Request schemas of lesson progress. */
import * as z from "zod";

export const LessonRefParam = z.object({ lessonId: z.string().min(1).max(80) });

export const AttemptBody = z
  .object({
    lessonId: z.string().min(1).max(80),
    score: z.number().int().min(0).max(100),
    completed: z.boolean().default(false),
    attemptId: z
      .uuid()
      .optional()
      .meta({ description: "Client-made id of this attempt: sending it again is counted once" }),
  })
  .strict()
  .meta({ id: "ProgressAttempt" });

export const SyncProgressBody = z.object({ attempts: z.array(AttemptBody).max(100) }).strict();
