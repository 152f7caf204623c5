/** Stub API keys (functions/api-keys): create, list, revoke, rotate, with the server's rules and problems. */
import { apiKeyRouteProblems } from "../../../functions/api-keys/problems";
import { newApiKeyId, newApiKeySecret } from "../../../shared/auth/api-key-format";
import { API_KEY_SCOPES, SCOPE_ROLES } from "../../../shared/auth/api-key-scopes";
import type { Backend } from "../backend";
import { fromApiError, validationProblem } from "../errors";
import type { ApiKey, CreateApiKeyInput } from "../types";
import { stubProblems as p } from "./problems";
import type { StubDb, StubWorld } from "./world";

/** As db/queries/api-keys.ts: MAX_LIVE_API_KEYS and API_KEY_ROTATION_GRACE_SECONDS. */
const MAX_LIVE_KEYS = 20;
const GRACE_MS = 24 * 3600_000;

type StoredApiKey = ApiKey & { userId: string };
/** The stub keeps keys beside its other tables (an older stub's data has none yet). */
type WithKeys = StubDb & { apiKeys?: Record<string, StoredApiKey> };

const toDto = ({ userId: _u, ...key }: StoredApiKey): ApiKey => key;
const isLive = (k: StoredApiKey) =>
  k.revokedAt === null && (k.expiresAt === null || Date.parse(k.expiresAt) > Date.now());

function validateCreate(body: CreateApiKeyInput, instance: string) {
  const errors: { path: string; message: string }[] = [];
  const name = typeof body.name === "string" ? body.name.trim() : "";
  if (name.length < 1 || name.length > 100)
    errors.push({ path: "name", message: "must be 1 to 100 characters" });
  const scopes = Array.isArray(body.scopes) ? body.scopes : [];
  if (scopes.length === 0) errors.push({ path: "scopes", message: "must list at least one scope" });
  scopes.forEach((scope, i) => {
    if (!(API_KEY_SCOPES as readonly string[]).includes(scope))
      errors.push({ path: `scopes.${i}`, message: `must be one of ${API_KEY_SCOPES.join(", ")}` });
  });
  if (new Set(scopes).size !== scopes.length) errors.push({ path: "scopes", message: "lists a scope twice" });
  const expiresAt = body.expiresAt ?? null;
  if (expiresAt !== null && !(Date.parse(expiresAt) > Date.now()))
    errors.push({ path: "expiresAt", message: "is in the past" });
  if (errors.length > 0) throw validationProblem(errors, instance);
  return { name, scopes, expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString() };
}

type KeyCalls = "listApiKeys" | "createApiKey" | "revokeApiKey" | "rotateApiKey";

/** The API key routes of the stub. The keys it makes have the real format but call nothing. */
export function stubApiKeys(world: StubWorld): Pick<Backend, KeyCalls> {
  const liveKeyOf = (db: WithKeys, id: string, userId: string, instance: string) => {
    const key = db.apiKeys?.[id];
    if (!key || key.userId !== userId || !isLive(key))
      throw p.notFound("No live API key of yours has this id.", instance);
    return key;
  };
  return {
    async listApiKeys() {
      return world.tx((db: WithKeys) => {
        const user = world.viewer(db, "/api/api-keys");
        return Object.values(db.apiKeys ?? {})
          .filter((k) => k.userId === user.id)
          .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))
          .map(toDto);
      });
    },
    async createApiKey(body) {
      const instance = "/api/api-keys";
      return world.tx((db: WithKeys) => {
        const user = world.viewer(db, instance);
        const input = validateCreate(body, instance);
        const errors = input.scopes.flatMap((scope, i) => {
          const role = SCOPE_ROLES[scope as keyof typeof SCOPE_ROLES];
          return role && role !== user.role
            ? [{ path: `scopes.${i}`, message: `${scope} needs the ${role} role` }]
            : [];
        });
        if (errors.length > 0) {
          const detail = errors.map((e) => e.message).join("; ");
          throw fromApiError(
            apiKeyRouteProblems.scopeNotAllowed({ detail, extensions: { errors } }),
            instance,
          );
        }
        db.apiKeys ??= {};
        const live = Object.values(db.apiKeys).filter((k) => k.userId === user.id && isLive(k));
        if (live.length >= MAX_LIVE_KEYS) {
          const detail = "Revoke a key you no longer use before creating another.";
          throw fromApiError(apiKeyRouteProblems.tooManyKeys(detail), instance);
        }
        const id = newApiKeyId();
        const secret = newApiKeySecret("bk_test_", id);
        const key: StoredApiKey = {
          id,
          userId: user.id,
          name: input.name,
          prefix: "bk_test_",
          lastFour: secret.slice(-4),
          scopes: input.scopes as ApiKey["scopes"],
          createdAt: new Date().toISOString(),
          expiresAt: input.expiresAt,
          lastUsedAt: null,
          rotatedAt: null,
          revokedAt: null,
        };
        db.apiKeys[id] = key;
        return { ...toDto(key), secret };
      });
    },
    async revokeApiKey(id) {
      const instance = `/api/api-keys/${id}`;
      await world.tx((db: WithKeys) => {
        const user = world.viewer(db, instance);
        const key = db.apiKeys?.[id];
        if (!key || key.userId !== user.id || key.revokedAt !== null)
          throw p.notFound("No live API key of yours has this id.", instance);
        key.revokedAt = new Date().toISOString();
      });
    },
    async rotateApiKey(id) {
      const instance = `/api/api-keys/${id}/rotate`;
      return world.tx((db: WithKeys) => {
        const user = world.viewer(db, instance);
        const key = liveKeyOf(db, id, user.id, instance);
        const secret = newApiKeySecret("bk_test_", id);
        const now = Date.now();
        key.rotatedAt = new Date(now).toISOString();
        key.lastFour = secret.slice(-4);
        return { ...toDto(key), secret, previousSecretValidUntil: new Date(now + GRACE_MS).toISOString() };
      });
    },
  };
}
