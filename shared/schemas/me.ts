/** Request schemas of the signed-in user's own account. */
import * as z from "zod";
import { DisplayNameSchema } from "./auth";

/** Only these fields are writable; anything else (role, tier, email, ids…) is a 400. */
export const PatchMeBody = z
  .object({
    displayName: DisplayNameSchema.optional(),
    avatarUrl: z
      .url({ protocol: /^https$/, error: "must be an https URL" })
      .max(2048)
      .nullable()
      .optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, "send at least one of displayName, avatarUrl")
  .meta({ id: "UpdateMeRequest" });

export const DeleteMeBody = z.object({ password: z.string().min(1).max(1024) }).strict();
