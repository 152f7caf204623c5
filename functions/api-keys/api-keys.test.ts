import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { grantAdmin } from "../../db/queries/admin";
import { MAX_LIVE_API_KEYS } from "../../db/queries/api-keys";
import { apiKeyChecksum } from "../../shared/auth/api-key-format";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { bearer, refreshedAccessToken, type SignedUp, signUp } from "../../test/support/accounts";
import { fileEnv, roundTrips, send, traceId } from "../../test/support/harness";
import { createKey, keyAuth } from "./test-keys";

const bindings = fileEnv("api_keys");
const db = () => createDb(loadConfig(bindings));

type Problem = { type: string; status: number; errors?: { path: string }[]; requiredScope?: string };
type KeyDto = { id: string; lastUsedAt: string | null; revokedAt: string | null; secret?: string };

let user: SignedUp;

beforeAll(async () => {
  user = await signUp(bindings);
  await send(bindings, "/api/patterns", {
    method: "POST",
    headers: bearer(user.accessToken),
    json: { name: "Mine", tempo: 100, tracks: [] },
  });
});

async function listKeys(accessToken = user.accessToken): Promise<KeyDto[]> {
  const res = await send(bindings, "/api/api-keys", { headers: bearer(accessToken) });
  return ((await res.json()) as { keys: KeyDto[] }).keys;
}

async function problem(res: Response): Promise<Problem> {
  expect(res.headers.get("Content-Type")).toBe("application/problem+json");
  return (await res.json()) as Problem;
}

/** Calls GET /api/patterns with a key under a fresh trace; the status and the round trips. */
async function listPatternsWith(secret: string) {
  const trace = traceId();
  const res = await send(bindings, "/api/patterns", {
    headers: { ...keyAuth(secret), "X-Request-Id": trace },
  });
  return { status: res.status, res, trips: await roundTrips(trace) };
}

describe("creating and listing keys", () => {
  it("shows the secret once, in the bk_test_ format with a valid checksum; the list never shows it", async () => {
    const key = await createKey(bindings, user.accessToken, { name: "CI", scopes: ["patterns:read"] });
    expect(key.secret).toMatch(/^bk_test_[0-9A-Za-z]{50}$/);
    const body = key.secret.slice("bk_test_".length);
    expect(body.slice(0, 16)).toBe(key.id);
    expect(apiKeyChecksum(body.slice(0, 44))).toBe(body.slice(44));
    expect(key).toMatchObject({
      prefix: "bk_test_",
      lastFour: key.secret.slice(-4),
      scopes: ["patterns:read"],
    });
    const listed = (await listKeys()).find((k) => k.id === key.id);
    expect(listed).toMatchObject({ id: key.id, lastUsedAt: null, revokedAt: null });
    expect(JSON.stringify(await listKeys())).not.toContain(key.secret.slice(8, 40));
    const stored = await db().execute<{ secret_hash: string }>(
      sql`select secret_hash from api_keys where id = ${key.id}`,
    );
    expect(stored.rows[0]?.secret_hash).not.toContain(key.secret.slice(8));
    const audit = await db().execute<{ action: string; actor_id: string }>(
      sql`select action, actor_id from audit_logs where target_type = 'api_key' and target_id = ${key.id}`,
    );
    expect(audit.rows).toEqual([{ action: "api_key.created", actor_id: user.userId }]);
  });

  it.each([
    [{ name: "x", scopes: ["patterns:delete"] }, "scopes.0"],
    [{ name: "x", scopes: [] }, "scopes"],
    [{ name: "x", scopes: ["patterns:read", "patterns:read"] }, "scopes"],
    [{ name: "", scopes: ["patterns:read"] }, "name"],
    [{ name: "x", scopes: ["patterns:read"], expiresAt: "2001-01-01T00:00:00Z" }, "expiresAt"],
  ])("refuses %j naming %s", async (json, path) => {
    const res = await send(bindings, "/api/api-keys", {
      method: "POST",
      headers: bearer(user.accessToken),
      json,
    });
    expect(res.status).toBe(400);
    expect((await problem(res)).errors?.map((e) => e.path)).toContain(path);
  });

  it("refuses a scope above the creator's rights (lessons:write for a non-admin), naming it; an admin may", async () => {
    const res = await send(bindings, "/api/api-keys", {
      method: "POST",
      headers: bearer(user.accessToken),
      json: { name: "x", scopes: ["lessons:read", "lessons:write"] },
    });
    expect(res.status).toBe(403);
    const body = await problem(res);
    expect(body.type).toBe("https://backline.dev/problems/scope-not-allowed");
    expect(body.errors?.map((e) => e.path)).toEqual(["scopes.1"]);
    const admin = await signUp(bindings);
    await grantAdmin(db(), admin.email);
    const adminToken = await refreshedAccessToken(bindings, admin);
    await createKey(bindings, adminToken, { scopes: ["lessons:write"] });
  });

  it(`caps live keys at ${MAX_LIVE_API_KEYS} per account; a revoked one frees a place`, async () => {
    const owner = await signUp(bindings);
    const keys = [];
    for (let i = 0; i < MAX_LIVE_API_KEYS; i++)
      keys.push(await createKey(bindings, owner.accessToken, { scopes: ["progress:read"] }));
    const over = await send(bindings, "/api/api-keys", {
      method: "POST",
      headers: bearer(owner.accessToken),
      json: { name: "one too many", scopes: ["progress:read"] },
    });
    expect(over.status).toBe(409);
    expect((await problem(over)).type).toBe("https://backline.dev/problems/too-many-keys");
    const revoked = await send(bindings, `/api/api-keys/${keys[0]?.id}`, {
      method: "DELETE",
      headers: bearer(owner.accessToken),
    });
    expect(revoked.status).toBe(204);
    await createKey(bindings, owner.accessToken, { scopes: ["progress:read"] });
  });

  it("a key cannot manage keys (nor reach any session-only route): refused before any lookup", async () => {
    const key = await createKey(bindings, user.accessToken, { scopes: ["patterns:read", "patterns:write"] });
    for (const [method, path] of [
      ["POST", "/api/api-keys"],
      ["GET", "/api/api-keys"],
      ["DELETE", `/api/api-keys/${key.id}`],
      ["POST", `/api/api-keys/${key.id}/rotate`],
    ] as const) {
      const trace = traceId();
      const res = await send(bindings, path, {
        method,
        headers: { ...keyAuth(key), "X-Request-Id": trace },
        ...(method === "POST" && path.endsWith("keys") && { json: { name: "x", scopes: ["patterns:read"] } }),
      });
      expect(res.status).toBe(403);
      expect((await problem(res)).type).toBe("https://backline.dev/problems/api-key-not-accepted");
      expect(await roundTrips(trace)).toMatchObject({ neon: 0, upstash: 0 });
    }
  });
});

describe("authenticating with a key", () => {
  it("acts as its owner on the routes its scopes allow", async () => {
    const key = await createKey(bindings, user.accessToken, { scopes: ["patterns:read"] });
    const { res, status } = await listPatternsWith(key.secret);
    expect(status).toBe(200);
    const { items } = (await res.json()) as { items: { name: string }[] };
    expect(items.map((p) => p.name)).toEqual(["Mine"]);
  });

  it.each([
    ["not a key at all", "bk_test_nope"],
    ["a bad checksum", "bad-checksum"],
    ["a live key in a test deployment", "live-prefix"],
  ])("refuses %s with 401 before any lookup (no Neon, no Upstash)", async (_name, kind) => {
    const key = await createKey(bindings, user.accessToken, { scopes: ["patterns:read"] });
    const last = key.secret.at(-1) === "A" ? "B" : "A";
    const secret =
      kind === "bad-checksum"
        ? key.secret.slice(0, -1) + last
        : kind === "live-prefix"
          ? key.secret.replace("bk_test_", "bk_live_")
          : kind;
    const { res, status, trips } = await listPatternsWith(secret);
    expect(status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toBe('Bearer error="invalid_token"');
    expect(trips).toMatchObject({ neon: 0, upstash: 0 });
  });

  it("refuses a well-formed key nobody issued with 401", async () => {
    const body = `${"Z".repeat(16)}${"q".repeat(28)}`;
    const { status } = await listPatternsWith(`bk_test_${body}${apiKeyChecksum(body)}`);
    expect(status).toBe(401);
  });

  it("costs one Neon and one Upstash round trip when cached; a miss costs one lookup and one cache write", async () => {
    await send(bindings, "/api/patterns", { headers: bearer(user.accessToken) }); // warm the limiter scripts
    const key = await createKey(bindings, user.accessToken, { scopes: ["patterns:read"] });
    const miss = await listPatternsWith(key.secret);
    expect(miss.status).toBe(200);
    expect(miss.trips).toMatchObject({ neon: 2, upstash: 2 });
    const hit = await listPatternsWith(key.secret);
    expect(hit.status).toBe(200);
    expect(hit.trips).toMatchObject({ neon: 1, upstash: 1 });
  });

  it("stops a revoked key at once, its facts still cached; the revocation is audit-logged", async () => {
    const key = await createKey(bindings, user.accessToken, { scopes: ["patterns:read"] });
    expect((await listPatternsWith(key.secret)).status).toBe(200);
    expect((await listPatternsWith(key.secret)).trips.neon).toBe(1); // cached
    const revoke = await send(bindings, `/api/api-keys/${key.id}`, {
      method: "DELETE",
      headers: bearer(user.accessToken),
    });
    expect(revoke.status).toBe(204);
    const after = await listPatternsWith(key.secret);
    expect(after.status).toBe(401);
    expect(after.trips).toMatchObject({ neon: 1, upstash: 1 });
    expect((await listKeys()).find((k) => k.id === key.id)?.revokedAt).not.toBeNull();
    const again = await send(bindings, `/api/api-keys/${key.id}`, {
      method: "DELETE",
      headers: bearer(user.accessToken),
    });
    expect(again.status).toBe(404);
    const audit = await db().execute<{ action: string }>(
      sql`select action from audit_logs where target_type = 'api_key' and target_id = ${key.id} order by id`,
    );
    expect(audit.rows.map((r) => r.action)).toEqual(["api_key.created", "api_key.revoked"]);
  });

  it("refuses a key past its expiry, cached or not", async () => {
    const key = await createKey(bindings, user.accessToken, {
      scopes: ["patterns:read"],
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect((await listPatternsWith(key.secret)).status).toBe(200); // now cached with the old expiry
    await db().execute(
      sql`update api_keys set expires_at = now() - interval '1 second' where id = ${key.id}`,
    );
    expect((await listPatternsWith(key.secret)).status).toBe(401);
    const fresh = await createKey(bindings, user.accessToken, {
      scopes: ["patterns:read"],
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    await db().execute(
      sql`update api_keys set expires_at = now() - interval '1 second' where id = ${fresh.id}`,
    );
    expect((await listPatternsWith(fresh.secret)).status).toBe(401);
  });

  it("refuses another user's key of a disabled account", async () => {
    const owner = await signUp(bindings);
    const key = await createKey(bindings, owner.accessToken, { scopes: ["patterns:read"] });
    expect((await listPatternsWith(key.secret)).status).toBe(200);
    await db().execute(sql`update users set disabled_at = now() where id = ${owner.userId}`);
    expect((await listPatternsWith(key.secret)).status).toBe(401);
  });

  it("rotation: the new secret works, the old one during the grace period only; audit-logged", async () => {
    const key = await createKey(bindings, user.accessToken, { scopes: ["patterns:read"] });
    expect((await listPatternsWith(key.secret)).status).toBe(200);
    const res = await send(bindings, `/api/api-keys/${key.id}/rotate`, {
      method: "POST",
      headers: bearer(user.accessToken),
    });
    expect(res.status).toBe(200);
    const rotated = (await res.json()) as KeyDto & { secret: string; previousSecretValidUntil: string };
    expect(rotated.id).toBe(key.id);
    expect(rotated.secret).not.toBe(key.secret);
    expect(rotated.secret.slice(8, 24)).toBe(key.id);
    expect(Date.parse(rotated.previousSecretValidUntil) - Date.now()).toBeGreaterThan(23 * 3600_000);
    expect((await listPatternsWith(rotated.secret)).status).toBe(200);
    expect((await listPatternsWith(key.secret)).status).toBe(200);
    await db().execute(
      sql`update api_keys set rotated_at = now() - interval '25 hours' where id = ${key.id}`,
    );
    expect((await listPatternsWith(key.secret)).status).toBe(401);
    expect((await listPatternsWith(rotated.secret)).status).toBe(200);
    const audit = await db().execute<{ action: string }>(
      sql`select action from audit_logs where target_type = 'api_key' and target_id = ${key.id} order by id`,
    );
    expect(audit.rows.map((r) => r.action)).toEqual(["api_key.created", "api_key.rotated"]);
    const revoked = await createKey(bindings, user.accessToken, { scopes: ["patterns:read"] });
    await send(bindings, `/api/api-keys/${revoked.id}`, {
      method: "DELETE",
      headers: bearer(user.accessToken),
    });
    const rotateRevoked = await send(bindings, `/api/api-keys/${revoked.id}/rotate`, {
      method: "POST",
      headers: bearer(user.accessToken),
    });
    expect(rotateRevoked.status).toBe(404);
  });

  it("records last use at most once a minute, in the request's own round trip", async () => {
    const key = await createKey(bindings, user.accessToken, { scopes: ["patterns:read"] });
    await listPatternsWith(key.secret);
    const first = (await listKeys()).find((k) => k.id === key.id)?.lastUsedAt;
    expect(first).not.toBeNull();
    const hit = await listPatternsWith(key.secret);
    expect(hit.trips.neon).toBe(1);
    expect((await listKeys()).find((k) => k.id === key.id)?.lastUsedAt).toBe(first);
    await db().execute(
      sql`update api_keys set last_used_at = now() - interval '61 seconds' where id = ${key.id}`,
    );
    const before = Date.now() - 1000;
    await listPatternsWith(key.secret);
    const later = (await listKeys()).find((k) => k.id === key.id)?.lastUsedAt;
    expect(Date.parse(later ?? "")).toBeGreaterThan(before);
  });

  it("is rate-limited per key: across client IPs, apart from its owner's session and other keys", async () => {
    const owner = await signUp(bindings);
    const a = await createKey(bindings, owner.accessToken, { scopes: ["patterns:read"] });
    const b = await createKey(bindings, owner.accessToken, { scopes: ["patterns:read"] });
    const remaining = async (auth: Record<string, string>, ip: string) => {
      const res = await send(bindings, "/api/patterns", { headers: { ...auth, "CF-Connecting-IP": ip } });
      expect(res.status).toBe(200);
      return Number(res.headers.get("X-RateLimit-Remaining"));
    };
    const session = await remaining(bearer(owner.accessToken), "10.9.0.1");
    const first = await remaining(keyAuth(a), "10.9.0.1");
    expect(await remaining(keyAuth(a), "10.9.0.2")).toBe(first - 1);
    expect(await remaining(keyAuth(b), "10.9.0.1")).toBe(first);
    expect(await remaining(bearer(owner.accessToken), "10.9.0.1")).toBe(session - 1);
  });

  it("stops an admin's lessons:write key at once when the owner loses the role", async () => {
    const admin = await signUp(bindings);
    await grantAdmin(db(), admin.email);
    const key = await createKey(bindings, await refreshedAccessToken(bindings, admin), {
      scopes: ["lessons:write"],
    });
    const lesson = (id: string) => ({ id, title: "Key lesson", category: "rhythm", difficulty: "beginner" });
    const create = (id: string) =>
      send(bindings, "/api/lessons", { method: "POST", headers: keyAuth(key), json: lesson(id) });
    const created = await create("key-lesson-1");
    expect(created.status).toBe(201);
    const audit = await db().execute<{ actor_id: string; metadata: { apiKeyId?: string } }>(
      sql`select actor_id, metadata from audit_logs where action = 'lesson.created' and target_id = 'key-lesson-1'`,
    );
    expect(audit.rows).toEqual([{ actor_id: admin.userId, metadata: { apiKeyId: key.id } }]);
    await db().execute(sql`update users set role = 'user' where id = ${admin.userId}`);
    expect((await create("key-lesson-2")).status).toBe(401);
  });
});
