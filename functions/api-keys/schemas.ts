import { z } from "@hono/zod-openapi";
import { API_KEY_SCOPES } from "../../shared/auth/api-key-scopes";

/** The longest an API key may be made to live: a year (none given: until revoked). */
export const MAX_API_KEY_LIFETIME_DAYS = 366;

export const ApiKeyIdParam = z.object({
  id: z.string().regex(/^[0-9A-Za-z]{16}$/, "is not an API key id"),
});

export const CreateApiKeyBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    scopes: z
      .array(z.enum(API_KEY_SCOPES))
      .min(1)
      .refine((scopes) => new Set(scopes).size === scopes.length, "lists a scope twice"),
    expiresAt: z.iso
      .datetime({ offset: true })
      .nullable()
      .optional()
      .refine((at) => !at || Date.parse(at) > Date.now(), "is in the past")
      .refine(
        (at) => !at || Date.parse(at) <= Date.now() + MAX_API_KEY_LIFETIME_DAYS * 86_400_000,
        `is more than ${MAX_API_KEY_LIFETIME_DAYS} days away`,
      )
      .openapi({ description: "When the key stops working; omit or null for never (until revoked)" }),
  })
  .strict()
  .openapi("CreateApiKey");

export const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().openapi({ description: "bk_live_ or bk_test_; the id follows it in the secret" }),
    lastFour: z.string().openapi({ description: "The secret's last four characters" }),
    scopes: z.array(z.enum(API_KEY_SCOPES)),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime().nullable(),
    lastUsedAt: z.iso.datetime().nullable().openapi({ description: "Updated at most once a minute" }),
    rotatedAt: z.iso.datetime().nullable(),
    revokedAt: z.iso.datetime().nullable(),
  })
  .openapi("ApiKey");

export const ApiKeyWithSecretSchema = ApiKeySchema.extend({
  secret: z.string().openapi({ description: "Shown once: only its hash is kept" }),
}).openapi("ApiKeyWithSecret");

export const RotatedApiKeySchema = ApiKeyWithSecretSchema.extend({
  previousSecretValidUntil: z.iso.datetime().openapi({ description: "The old secret works until then" }),
}).openapi("RotatedApiKey");
