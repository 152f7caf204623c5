import { z } from "@hono/zod-openapi";
import { AuthenticationResponseJSON } from "./passkeys-schemas";
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
  .object({
    password: PresentedPassword.optional().meta({
      description: "The current password, asked again; left out by an account that has none.",
    }),
  })
  .strict()
  .meta({ id: "StartTotpRequest" });

export const FactorCodeBody = z.object({ code: FactorCode }).strict().meta({ id: "MfaCodeRequest" });

const ChallengeToken = z.string().min(1).max(1024);

export const ChallengeBody = z
  .object({
    challenge: ChallengeToken,
    code: FactorCode.optional().meta({ description: "A code of the authenticator app, or a recovery code." }),
    passkey: AuthenticationResponseJSON.optional().meta({
      description:
        "Or what navigator.credentials.get() resolved to, for the options of POST /challenge/options.",
    }),
    returnRefreshToken: z.boolean().optional(),
  })
  .strict()
  .refine((b) => (b.code === undefined) !== (b.passkey === undefined), {
    path: ["code"],
    message: "send either a code or a passkey",
  })
  .meta({ id: "MfaChallengeRequest" });

export const ChallengeOptionsBody = z
  .object({ challenge: ChallengeToken })
  .strict()
  .meta({ id: "MfaChallengeOptionsRequest" });

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
    factors: z
      .array(z.enum(["totp", "passkey", "recovery_code"]))
      .meta({ description: "The second factors this account can complete the challenge with." }),
  })
  .meta({ id: "MfaRequired" });

/** What sign-in answers: a session, or a challenge when a second factor is on. */
export const SigninResponse = z.union([AuthResponse, MfaRequired]);

export const MfaStatus = z
  .object({
    totp: z
      .object({
        enabled: z.boolean().meta({
          description: "Whether sign-in asks for a code of the app (a set-up not yet verified is off).",
        }),
        enabledAt: z.iso
          .datetime()
          .nullable()
          .meta({ description: "When the app was turned on; null when off." }),
      })
      .meta({ description: "The authenticator app." }),
    recoveryCodesLeft: z
      .number()
      .int()
      .meta({ description: "Recovery codes not yet used (0 while the app is off)." }),
    passkeys: z
      .number()
      .int()
      .meta({ description: "Passkeys registered (each also works as a second factor)." }),
  })
  .meta({ id: "MfaStatus" });
