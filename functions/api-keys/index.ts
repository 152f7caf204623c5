import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  API_KEY_ROTATION_GRACE_SECONDS,
  createApiKey,
  listApiKeys,
  revokeApiKey,
  rotateApiKey,
} from "../../db/queries/api-keys";
import { createRouter } from "../../shared/app";
import { newApiKeyId } from "../../shared/auth/api-key-format";
import { type ApiKeyScope, SCOPE_ROLES } from "../../shared/auth/api-key-scopes";
import { requestMeta } from "../../shared/client-ip";
import { problems } from "../../shared/errors";
import { requireAuth, type SignedInEnv } from "../../shared/middleware/auth";
import { jsonBody, jsonContent, problemContent } from "../../shared/openapi";
import { newSecret, previousSecretValidUntil, toDto } from "./dto";
import { apiKeyRouteProblems } from "./problems";
import {
  ApiKeyIdParam,
  ApiKeySchema,
  ApiKeyWithSecretSchema,
  CreateApiKeyBody,
  RotatedApiKeySchema,
} from "./schemas";

// Managing keys needs a signed-in session: these routes are not in the API key route table
// (functions/index.ts), so a key presented here is refused before any lookup.
const signedIn = { security: [{ bearer: [] }], middleware: requireAuth(), tags: ["API keys"] };

const create = createRoute({
  ...signedIn,
  method: "post",
  path: "/",
  summary: "Creates an API key for server-to-server calls; the secret is in this answer only",
  request: { body: jsonBody(CreateApiKeyBody) },
  responses: {
    201: jsonContent(ApiKeyWithSecretSchema, "Created"),
    400: problemContent("Invalid name, scopes or expiry"),
    403: problemContent("A scope is above your own rights"),
    409: problemContent("Too many live keys"),
  },
});

const list = createRoute({
  ...signedIn,
  method: "get",
  path: "/",
  summary: "Your API keys, newest first (never their secrets)",
  responses: { 200: jsonContent(z.object({ keys: z.array(ApiKeySchema) }), "Keys") },
});

const revoke = createRoute({
  ...signedIn,
  method: "delete",
  path: "/{id}",
  summary: "Revokes an API key: it stops working at once",
  request: { params: ApiKeyIdParam },
  responses: { 204: { description: "Revoked" }, 404: problemContent("No live key of yours has this id") },
});

const rotate = createRoute({
  ...signedIn,
  method: "post",
  path: "/{id}/rotate",
  summary: `Gives an API key a new secret; the old one keeps working for ${API_KEY_ROTATION_GRACE_SECONDS / 3600} hours`,
  request: { params: ApiKeyIdParam },
  responses: {
    200: jsonContent(RotatedApiKeySchema, "The new secret, shown once"),
    404: problemContent("No live key of yours has this id"),
  },
});

/** Refuses scopes above the creator's own rights (403 naming each one). */
function assertScopesAllowed(c: Context<SignedInEnv>, scopes: ApiKeyScope[]): void {
  const role = c.get("claims").role;
  const errors = scopes.flatMap((scope, i) => {
    const needed = SCOPE_ROLES[scope];
    return needed && needed !== role
      ? [{ path: `scopes.${i}`, message: `${scope} needs the ${needed} role` }]
      : [];
  });
  if (errors.length > 0) {
    throw apiKeyRouteProblems.scopeNotAllowed({
      detail: errors.map((e) => e.message).join("; "),
      extensions: { errors },
    });
  }
}

export const apiKeyRoutes = createRouter()
  .openapi(create, async (c) => {
    const { name, scopes, expiresAt } = c.req.valid("json");
    assertScopesAllowed(c, scopes);
    const id = newApiKeyId();
    const { secret, secretHash, lastFour, prefix } = await newSecret(c, id);
    const key = await createApiKey(c.get("db"), {
      id,
      userId: c.get("userId"),
      name,
      scopes,
      secretHash,
      prefix,
      lastFour,
      expiresAt: expiresAt ? new Date(expiresAt) : null,
      ...requestMeta(c),
    });
    if (!key) {
      throw apiKeyRouteProblems.tooManyKeys("Revoke a key you no longer use before creating another.");
    }
    c.header("Location", `/api/api-keys/${id}`);
    c.header("Cache-Control", "no-store");
    return c.json({ ...toDto(key), secret }, 201);
  })
  .openapi(list, async (c) => {
    const keys = await listApiKeys(c.get("db"), c.get("userId"));
    return c.json({ keys: keys.map(toDto) }, 200);
  })
  .openapi(revoke, async (c) => {
    const revoked = await revokeApiKey(c.get("db"), {
      id: c.req.valid("param").id,
      userId: c.get("userId"),
      ...requestMeta(c),
    });
    if (!revoked) throw problems.notFound("No live API key of yours has this id.");
    return c.body(null, 204);
  })
  .openapi(rotate, async (c) => {
    const { id } = c.req.valid("param");
    const { secret, secretHash, lastFour } = await newSecret(c, id);
    const key = await rotateApiKey(c.get("db"), {
      id,
      userId: c.get("userId"),
      secretHash,
      lastFour,
      ...requestMeta(c),
    });
    if (!key) throw problems.notFound("No live API key of yours has this id.");
    const validUntil = previousSecretValidUntil(key.rotatedAt, API_KEY_ROTATION_GRACE_SECONDS);
    c.header("Cache-Control", "no-store");
    return c.json({ ...toDto(key), secret, previousSecretValidUntil: validUntil }, 200);
  });
