/** Request schemas of the auth group (sign-up, sign-in, tokens, passwords, email verification). */
import * as z from "zod";
import { isCommonPassword } from "../auth/common-passwords";

export const EmailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email("must be a valid email address").max(254, "must be at most 254 characters"))
  .meta({ example: "ada@example.com" });

/** 8–128 characters, not on the common-passwords list. */
export const NewPasswordSchema = z
  .string()
  .min(8, "must be at least 8 characters")
  .max(128, "must be at most 128 characters")
  .refine((p) => !isCommonPassword(p), "is too common; choose a less guessable password")
  .meta({ example: "correct horse battery staple" });

export const DisplayNameSchema = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(80, "must be at most 80 characters")
  .meta({ example: "Ada" });

/** A password typed to prove who you are (checked against the hash, not against the rules). */
const PresentedPassword = z.string().min(1).max(1024);

/** An emailed single-use token. */
const EmailedToken = z.string().min(1).max(200);

const returnRefreshToken = z.boolean().optional().meta({
  description:
    "Non-browser clients: also return the refresh token in the body. Refused (400) from a browser (a request with a cookie or an Origin header).",
});

export const SignupBody = z
  .object({
    email: EmailSchema,
    password: NewPasswordSchema,
    displayName: DisplayNameSchema,
    returnRefreshToken,
  })
  .strict()
  .meta({ id: "SignupRequest" });

export const SigninBody = z
  .object({ email: EmailSchema, password: PresentedPassword, returnRefreshToken })
  .strict()
  .meta({ id: "SigninRequest" });

export const RefreshBody = z
  .object({ refreshToken: z.string().max(200).optional(), returnRefreshToken })
  .strict()
  .meta({ id: "RefreshRequest" });

export const SessionIdParam = z.object({ id: z.uuid() });

export const ChangePasswordBody = z
  .object({ currentPassword: PresentedPassword, newPassword: NewPasswordSchema })
  .strict();

export const ForgotPasswordBody = z.object({ email: EmailSchema }).strict();

export const ResetPasswordBody = z.object({ token: EmailedToken, newPassword: NewPasswordSchema }).strict();

export const VerifyEmailBody = z.object({ token: EmailedToken }).strict();
