import { z } from "@hono/zod-openapi";
import { API_KEY_SCOPES, TEAM_API_KEY_SCOPES } from "../../shared/auth/api-key-scopes";

/** The longest an API key may be made to live: a year (none given: until revoked). */
export const MAX_API_KEY_LIFETIME_DAYS = 366;

export const ApiKeyIdParam = z.object({
  id: z.string().regex(/^[0-9A-Za-z]{16}$/, "is not an API key id"),
});

/** The body creating a key, for a list of scopes (personal keys have more than a team's). */
function createBody<const S extends readonly [string, ...string[]]>(scopes: S) {
  return z
    .object({
      name: z.string().trim().min(1).max(100),
      scopes: z
        .array(z.enum(scopes))
        .min(1)
        .refine((list) => new Set(list).size === list.length, "lists a scope twice"),
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
    .strict();
}

export const CreateApiKeyBody = createBody(API_KEY_SCOPES).openapi("CreateApiKey");

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

export const TeamIdParam = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" }, description: "The team's id" }),
});

export const TeamApiKeyParams = TeamIdParam.extend({
  keyId: z
    .string()
    .regex(/^[0-9A-Za-z]{16}$/, "is not an API key id")
    .openapi({ param: { name: "keyId", in: "path" } }),
});

export const CreateTeamApiKeyBody = createBody(TEAM_API_KEY_SCOPES).openapi("CreateTeamApiKey");

const teamKeyFields = {
  scopes: z.array(z.enum(TEAM_API_KEY_SCOPES)),
  teamId: z.uuid().openapi({ description: "The team the key acts for" }),
  createdBy: z.uuid().openapi({
    description: "The manager who made it: the key works only while they manage the team",
  }),
};

export const TeamApiKeySchema = ApiKeySchema.extend(teamKeyFields).openapi("TeamApiKey");

export const TeamApiKeyWithSecretSchema =
  ApiKeyWithSecretSchema.extend(teamKeyFields).openapi("TeamApiKeyWithSecret");

export const RotatedTeamApiKeySchema = RotatedApiKeySchema.extend(teamKeyFields).openapi("RotatedTeamApiKey");
