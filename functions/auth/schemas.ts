import { z } from "@hono/zod-openapi";
import { UserSchema } from "../../shared/auth/user-dto";

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
