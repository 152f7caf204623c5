import { z } from "@hono/zod-openapi";
import { AuthResponse } from "./schemas";

/** A code typed as the second factor: 6 digits from the app, or a recovery code (dashes and spaces ignored). */
const FactorCode = z
  .string()
  .trim()
  .min(6, "must be a 6-digit code or a recovery code")
  .max(40, "must be a 6-digit code or a recovery code")
  .meta({ example: "123456" });

const PresentedPassword = z.string().min(1).max(1024);

export const StartTotpBody = z
  .object({ password: PresentedPassword.meta({ description: "The current password, asked again." }) })
  .strict()
  .meta({ id: "StartTotpRequest" });

export const FactorCodeBody = z.object({ code: FactorCode }).strict().meta({ id: "MfaCodeRequest" });

export const ChallengeBody = z
  .object({
    challenge: z.string().min(1).max(1024),
    code: FactorCode,
    returnRefreshToken: z.boolean().optional(),
  })
  .strict()
  .meta({ id: "MfaChallengeRequest" });

export const TotpEnrolment = z
  .object({
    secret: z.string().meta({ description: "The base32 secret, for typing into the app by hand." }),
    uri: z.string().meta({ description: "The otpauth:// URI the QR code holds." }),
    qrSvg: z.string().meta({ description: "An SVG document of the QR code." }),
  })
  .meta({ id: "TotpEnrolment" });

export const RecoveryCodes = z
  .object({
    recoveryCodes: z.array(z.string()).meta({ description: "Shown once: only their hashes are kept." }),
  })
  .meta({ id: "RecoveryCodes" });

export const MfaRequired = z
  .object({
    mfaRequired: z.literal(true),
    challenge: z.string().meta({ description: "Send it with a code to POST /api/auth/mfa/challenge." }),
    expiresIn: z.number().int().meta({ description: "Seconds the challenge stays valid." }),
  })
  .meta({ id: "MfaRequired" });

/** What sign-in answers: a session, or a challenge when a second factor is on. */
export const SigninResponse = z.union([AuthResponse, MfaRequired]);
