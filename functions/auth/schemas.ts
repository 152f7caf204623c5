import { z } from "@hono/zod-openapi";
import { isCommonPassword } from "../../shared/auth/common-passwords";
import { UserSchema } from "../../shared/auth/user-dto";

export const EmailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email("must be a valid email address").max(254, "must be at most 254 characters"))
  .openapi({ example: "ada@example.com" });

/** 8–128 characters, not on the common-passwords list. */
export const NewPasswordSchema = z
  .string()
  .min(8, "must be at least 8 characters")
  .max(128, "must be at most 128 characters")
  .refine((p) => !isCommonPassword(p), "is too common; choose a less guessable password")
  .openapi({ example: "correct horse battery staple" });

export const DisplayNameSchema = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(80, "must be at most 80 characters")
  .openapi({ example: "Ada" });

const returnRefreshToken = z
  .boolean()
  .optional()
  .openapi({ description: "Non-browser clients: also return the refresh token in the body." });

export const SignupBody = z
  .object({
    email: EmailSchema,
    password: NewPasswordSchema,
    displayName: DisplayNameSchema,
    returnRefreshToken,
  })
  .strict()
  .openapi("SignupRequest");

export const SigninBody = z
  .object({ email: EmailSchema, password: z.string().min(1).max(1024), returnRefreshToken })
  .strict()
  .openapi("SigninRequest");

export const RefreshBody = z
  .object({ refreshToken: z.string().max(200).optional(), returnRefreshToken })
  .strict()
  .openapi("RefreshRequest");

export const TokenResponse = z
  .object({
    accessToken: z.string(),
    tokenType: z.literal("Bearer"),
    expiresIn: z.number().int().openapi({ description: "Seconds until the access token expires." }),
    refreshToken: z.string().optional(),
  })
  .openapi("TokenResponse");

export const AuthResponse = TokenResponse.extend({ user: UserSchema }).openapi("AuthResponse");

export const SessionSchema = z
  .object({
    id: z.uuid(),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime(),
    userAgent: z.string().nullable(),
    ip: z.string().nullable(),
    current: z.boolean(),
  })
  .openapi("Session");
