/** Request schemas of share links. */
import * as z from "zod";

export const ShareIdParam = z.object({
  shareId: z.string().regex(/^[0-9A-Za-z]{12,32}$/, "is not a share id"),
});

export const CreateShareBody = z
  .object({
    patternId: z.uuid(),
    public: z.boolean().default(true).meta({ description: "false: only signed-in users can open it" }),
    expiresIn: z
      .number()
      .int()
      .min(60)
      .max(365 * 86_400)
      .nullable()
      .default(null)
      .meta({ description: "Seconds; null = never" }),
  })
  .strict();
