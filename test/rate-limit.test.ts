import { describe, expect, it } from "vitest";
import { createRouter } from "../shared/app";
import { type RateLimitPolicy, rateLimit } from "../shared/middleware/rate-limit";
import { DEAD_URL, fileEnv, randomIp, send, startOfNextWindow } from "./support/harness";
import { appWith } from "./support/test-app";

const bindings = fileEnv("rate_limit");
const ok = () => createRouter().get("/", (c) => c.json({ ok: true }));

function limitedApp(policy: Partial<RateLimitPolicy> = {}) {
  const name = `test-${crypto.randomUUID().slice(0, 8)}`;
  return appWith(
    "/api/limited",
    ok(),
    rateLimit({ name, limit: 3, window: "2 s", failMode: "closed", ...policy }),
  );
}

describe("rate limit", () => {
  it("answers request N+1 with 429 and every header, then resets after the window", async () => {
    const app = limitedApp();
    const ip = randomIp();
    const call = () => send(bindings, "/api/limited", { headers: { "CF-Connecting-IP": ip } }, app);
    // A sliding window weighs the previous window in: start the burst at a window's start.
    await startOfNextWindow(2000);

    for (let i = 1; i <= 3; i++) {
      const res = await call();
      expect(res.status).toBe(200);
      expect(res.headers.get("X-RateLimit-Limit")).toBe("3");
      expect(res.headers.get("X-RateLimit-Remaining")).toBe(String(3 - i));
      expect(res.headers.get("RateLimit")).toMatch(new RegExp(`^"test-[0-9a-f]{8}";r=${3 - i};t=\\d+$`));
      expect(res.headers.get("RateLimit-Policy")).toMatch(/^"test-[0-9a-f]{8}";q=3;w=2$/);
    }

    const limited = await call();
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Content-Type")).toBe("application/problem+json");
    const retryAfter = Number(limited.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    expect(limited.headers.get("X-RateLimit-Remaining")).toBe("0");
    expect(Number(limited.headers.get("X-RateLimit-Reset"))).toBeGreaterThanOrEqual(
      Math.floor(Date.now() / 1000),
    );
    expect(limited.headers.get("RateLimit")).toMatch(/;r=0;t=\d+$/);
    expect(limited.headers.get("RateLimit-Policy")).toMatch(/;q=3;w=2$/);
    const body = (await limited.json()) as { type: string; status: number };
    expect(body).toMatchObject({ type: "https://backline.dev/problems/rate-limited", status: 429 });

    // Once the burst's window and the next one have passed, nothing counts any more.
    await startOfNextWindow(2000);
    await startOfNextWindow(2000);
    const again = await call();
    expect(again.status).toBe(200);
    expect(again.headers.get("X-RateLimit-Remaining")).toBe("2");
  });

  it("counts each client separately", async () => {
    const app = limitedApp({ limit: 1 });
    const first = randomIp();
    expect(
      (await send(bindings, "/api/limited", { headers: { "CF-Connecting-IP": first } }, app)).status,
    ).toBe(200);
    expect(
      (await send(bindings, "/api/limited", { headers: { "CF-Connecting-IP": first } }, app)).status,
    ).toBe(429);
    expect(
      (await send(bindings, "/api/limited", { headers: { "CF-Connecting-IP": randomIp() } }, app)).status,
    ).toBe(200);
  });

  it("counts an IPv6 client per /64, so rotating addresses inside it does not reset the limit", async () => {
    const app = limitedApp({ limit: 1 });
    const from = (ip: string) =>
      send(bindings, "/api/limited", { headers: { "CF-Connecting-IP": ip } }, app).then((r) => r.status);
    expect(await from("2001:db8:42:1::1")).toBe(200);
    expect(await from("2001:db8:42:1:abcd::2")).toBe(429);
    expect(await from("2001:db8:42:2::1")).toBe(200);
  });

  it("fails closed with 503 when Redis is down and the policy says so", async () => {
    const res = await send(
      { ...bindings, UPSTASH_REDIS_REST_URL: DEAD_URL },
      "/api/limited",
      {},
      limitedApp(),
    );
    expect(res.status).toBe(503);
    expect(((await res.json()) as { type: string }).type).toBe("https://backline.dev/problems/unavailable");
  });

  it("fails open when Redis is down and the policy allows it", async () => {
    const res = await send(
      { ...bindings, UPSTASH_REDIS_REST_URL: DEAD_URL },
      "/api/limited",
      {},
      limitedApp({ failMode: "open" }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("RateLimit")).toBeNull();
  });
});
