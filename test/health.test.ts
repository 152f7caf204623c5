import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../shared/clients";
import { loadConfig } from "../shared/config";
import { DEAD_URL, fileEnv, roundTrips, send, testEnv, traceId } from "./support/harness";

const bindings = fileEnv("health");

// The stand-in creates this file's database on first use (a PGlite copy can take seconds on a
// busy machine); create it before the health probe's 2-second timeout is on the clock.
beforeAll(async () => {
  await createDb(loadConfig(bindings)).execute(sql`select 1`);
});

describe("GET /api/health", () => {
  it("reports Postgres and Redis ok", async () => {
    const res = await send(bindings, "/api/health");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; checks: Record<string, { status: string }> };
    expect(body.status).toBe("ok");
    expect(body.checks.postgres?.status).toBe("ok");
    expect(body.checks.redis?.status).toBe("ok");
    expect(res.headers.get("Cache-Control")).toBe("no-store");
  });

  it("costs exactly one Neon and one Upstash round trip", async () => {
    const trace = traceId();
    const res = await send(bindings, "/api/health", { headers: { "X-Request-Id": trace } });
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Request-Id")).toBe(trace);
    expect(await roundTrips(trace)).toMatchObject({ neon: 1, upstash: 1 });
  });

  it("answers 503 problem naming Postgres when the database is down", async () => {
    const res = await send({ ...bindings, NEON_HTTP_ENDPOINT: `${DEAD_URL}/sql` }, "/api/health");
    expect(res.status).toBe(503);
    expect(res.headers.get("Content-Type")).toBe("application/problem+json");
    const body = (await res.json()) as {
      type: string;
      detail: string;
      checks: Record<string, { status: string }>;
    };
    expect(body.type).toBe("https://backline.dev/problems/unavailable");
    expect(body.checks.postgres?.status).toBe("down");
    expect(body.checks.redis?.status).toBe("ok");
    expect(body.detail).toContain("postgres");
  });

  it("answers 503 problem naming Redis when Redis is down", async () => {
    const res = await send({ ...bindings, UPSTASH_REDIS_REST_URL: DEAD_URL }, "/api/health");
    expect(res.status).toBe(503);
    const body = (await res.json()) as { checks: Record<string, { status: string }>; detail: string };
    expect(body.checks.redis?.status).toBe("down");
    expect(body.checks.postgres?.status).toBe("ok");
    expect(body.detail).toContain("redis");
  });
});

describe("GET /api/health with a Postgres that hangs", () => {
  it("answers 503 within its probe timeout, Postgres down for a timeout", async () => {
    const hanging = { ...bindings, NEON_HTTP_ENDPOINT: `${testEnv.NEON_HTTP_ENDPOINT}/hang` };
    const res = await send(hanging, "/api/health");
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
    const body = (await res.json()) as { checks: Record<string, { status: string; reason?: string }> };
    expect(body.checks.postgres).toMatchObject({ status: "down", reason: "timeout", timeoutMs: 2000 });
    expect(body.checks.redis).toMatchObject({ status: "ok", timeoutMs: 2000 });
    expect(body.checks.redis?.reason).toBeUndefined();
  });

  it("reports an unreachable Redis as down with reason error", async () => {
    const res = await send({ ...bindings, UPSTASH_REDIS_REST_URL: DEAD_URL }, "/api/health");
    const body = (await res.json()) as { checks: Record<string, { status: string; reason?: string }> };
    expect(body.checks.redis).toMatchObject({ status: "down", reason: "error" });
  });
});
