import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { FAIL_UPSTASH, HOLD_UPSTASH_UNTIL_NEON } from "../dev/counters";
import { createRouter } from "../shared/app";
import { rateLimit } from "../shared/middleware/rate-limit";
import { bearer, signUp } from "./support/accounts";
import { fileEnv, randomIp, roundTrips, send, traceId } from "./support/harness";
import { appWith } from "./support/test-app";

const bindings = fileEnv("read_ahead");

/** A GET under a read-ahead limit of one request per minute, answering what it read and an ETag derived from it. */
function readingApp() {
  const name = `read-ahead-${crypto.randomUUID().slice(0, 8)}`;
  const group = createRouter().get("/", async (c) => {
    const [row] = (await c.get("db").execute(sql`select 'the secret' as secret`)).rows as {
      secret: string;
    }[];
    c.header("ETag", `"${row?.secret.length}"`);
    return c.json(row);
  });
  const policy = { name, limit: 1, window: "1 m", failMode: "open" } as const;
  return appWith("/api/reads", group, rateLimit(policy, { readAhead: true }));
}

function traced(prefix = ""): { trace: string; headers: Record<string, string> } {
  const trace = `${prefix}${traceId()}`;
  return { trace, headers: { "X-Request-Id": trace } };
}

describe("read-ahead", () => {
  it("sends a GET's read while the limiter's round trip is still unanswered", async () => {
    const user = await signUp(bindings);
    // Read-ahead starts once this isolate has seen Redis answer.
    expect((await send(bindings, "/api/me", { headers: bearer(user.accessToken) })).status).toBe(200);
    // The Upstash stand-in holds its answer until this request's Neon query has arrived: a
    // worker that waits for the limiter before reading hits its Redis timeout instead, and
    // answers without the limiter's headers.
    const { trace, headers } = traced(HOLD_UPSTASH_UNTIL_NEON);
    const res = await send(bindings, "/api/me", { headers: { ...headers, ...bearer(user.accessToken) } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { id: string }).id).toBe(user.userId);
    expect(res.headers.get("RateLimit")).toMatch(/^"api";r=\d+;t=\d+$/);
    expect(await roundTrips(trace)).toMatchObject({ neon: 1, upstash: 1 });
  });

  it.each(["/api/patterns", "/api/lessons", "/api/progress", "/api/teams"])(
    "reads ahead on the other read groups: GET %s",
    async (path) => {
      const user = await signUp(bindings);
      expect((await send(bindings, "/api/me", { headers: bearer(user.accessToken) })).status).toBe(200);
      const { trace, headers } = traced(HOLD_UPSTASH_UNTIL_NEON);
      const res = await send(bindings, path, { headers: { ...headers, ...bearer(user.accessToken) } });
      expect(res.status).toBe(200);
      expect(res.headers.get("RateLimit")).toMatch(/^"api";r=\d+;t=\d+$/);
      expect(await roundTrips(trace)).toMatchObject({ neon: 1, upstash: 1 });
    },
  );

  it("answers a caller over its limit with 429 and nothing it read, and stops reading ahead for it", async () => {
    const app = readingApp();
    const ip = randomIp();
    const call = (headers: Record<string, string> = {}) =>
      send(bindings, "/api/reads", { headers: { ...headers, "CF-Connecting-IP": ip } }, app);
    const first = await call();
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ secret: "the secret" });

    const over = traced(HOLD_UPSTASH_UNTIL_NEON);
    const refused = await call(over.headers);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("ETag")).toBeNull();
    expect(await refused.text()).not.toContain("the secret");
    // The read did leave (that is the trade), held back by the limiter's answer.
    expect(await roundTrips(over.trace)).toMatchObject({ neon: 1, upstash: 1 });

    // Refused once, the caller is refused from memory: no read ahead, no Redis call.
    const again = traced();
    expect((await call(again.headers)).status).toBe(429);
    expect(await roundTrips(again.trace)).toMatchObject({ neon: 0, upstash: 0 });
  });

  it("answers a caller over its limit with 429 even when the route refuses the request itself", async () => {
    const name = `read-ahead-${crypto.randomUUID().slice(0, 8)}`;
    const group = createRouter().get("/", (c) => c.json({ refused: "by the route" }, 404));
    const app = appWith(
      "/api/reads",
      group,
      rateLimit({ name, limit: 1, window: "1 m", failMode: "open" }, { readAhead: true }),
    );
    const ip = randomIp();
    const call = () => send(bindings, "/api/reads", { headers: { "CF-Connecting-IP": ip } }, app);
    expect((await call()).status).toBe(404);
    const refused = await call();
    expect(refused.status).toBe(429);
    expect(await refused.text()).not.toContain("by the route");
  });

  it("refuses a signed-out session with 401 and nothing it read", async () => {
    const user = await signUp(bindings);
    const created = await send(bindings, "/api/patterns", {
      method: "POST",
      headers: bearer(user.accessToken),
      json: { name: "Private groove", tempo: 100, tracks: [] },
    });
    expect(created.status).toBe(201);
    const signout = await send(bindings, "/api/auth/signout", {
      method: "POST",
      headers: bearer(user.accessToken),
    });
    expect(signout.status).toBe(204);
    const { trace, headers } = traced(HOLD_UPSTASH_UNTIL_NEON);
    const list = await send(bindings, "/api/patterns", {
      headers: { ...headers, ...bearer(user.accessToken) },
    });
    expect(list.status).toBe(401);
    expect(await list.text()).not.toContain("Private groove");
    expect(await roundTrips(trace)).toMatchObject({ neon: 1, upstash: 1 });
  });

  it("asks the database about the session when Redis fails after the read left", async () => {
    const user = await signUp(bindings);
    const victim = await signUp(bindings);
    expect((await send(bindings, "/api/me", { headers: bearer(user.accessToken) })).status).toBe(200);

    // A live session: its read is answered once the database has checked the session.
    const live = traced(HOLD_UPSTASH_UNTIL_NEON + FAIL_UPSTASH);
    const me = await send(bindings, "/api/me", { headers: { ...live.headers, ...bearer(user.accessToken) } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { id: string }).id).toBe(user.userId);
    expect(await roundTrips(live.trace)).toMatchObject({ neon: 2, upstash: 1 });

    // Redis answers again, then fails again: a session ended in Postgres alone (its Redis mark
    // failed too) is refused.
    expect((await send(bindings, "/api/me", { headers: bearer(user.accessToken) })).status).toBe(200);
    const signout = await send(bindings, "/api/auth/signout", {
      method: "POST",
      headers: { ...traced(FAIL_UPSTASH).headers, ...bearer(victim.accessToken) },
    });
    expect(signout.status).toBe(204);
    expect((await send(bindings, "/api/me", { headers: bearer(user.accessToken) })).status).toBe(200);
    const revoked = traced(HOLD_UPSTASH_UNTIL_NEON + FAIL_UPSTASH);
    const read = await send(bindings, "/api/me", {
      headers: { ...revoked.headers, ...bearer(victim.accessToken) },
    });
    expect(read.status).toBe(401);
    expect(await read.text()).not.toContain(victim.email);
    // The read, then the session check (without read-ahead the check leads the read's own round trip).
    expect(await roundTrips(revoked.trace)).toMatchObject({ neon: 2, upstash: 1 });
  });

  it("does not read ahead for writes", async () => {
    const user = await signUp(bindings);
    expect((await send(bindings, "/api/me", { headers: bearer(user.accessToken) })).status).toBe(200);
    const { trace, headers } = traced(HOLD_UPSTASH_UNTIL_NEON);
    const res = await send(bindings, "/api/me", {
      method: "PATCH",
      headers: { ...headers, ...bearer(user.accessToken) },
      json: { displayName: "Waited" },
    });
    // The write waited for the limiter: Upstash, held for a Neon call that never came first,
    // timed out, and the limiter failed open without its headers.
    expect(res.status).toBe(200);
    expect(res.headers.get("RateLimit")).toBeNull();
    expect(await roundTrips(trace)).toMatchObject({ neon: 1, upstash: 1 });
  });
});
