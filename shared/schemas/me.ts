/** Request schemas of the signed-in user's own account. */
import * as z from "zod";
import { DisplayNameSchema, EmailSchema, VerifyEmailBody } from "./auth";

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

/** Deleting the account: the current password when the account has one (shared/auth/owner-proof.ts). */
export const DeleteMeBody = z.object({ password: z.string().min(1).max(1024).optional() }).strict();

/** A change of email: the new address, and the current password when the account has one. */
export const ChangeEmailBody = z
  .object({ newEmail: EmailSchema, password: z.string().min(1).max(1024).optional() })
  .strict()
  .meta({ id: "ChangeEmailRequest" });

/** The token of the confirmation link sent to the new address. */
export const ConfirmEmailChangeBody = VerifyEmailBody;
