import { Redis } from "@upstash/redis/cloudflare";
import { describe, expect, it } from "vitest";
import { testEnv } from "./support/harness";

const url = testEnv.UPSTASH_REDIS_REST_URL;
const token = testEnv.UPSTASH_REDIS_REST_TOKEN;
const key = (name: string) => `proto:${crypto.randomUUID()}:${name}`;

function raw(path: string, commands: unknown, headers: Record<string, string> = {}) {
  return fetch(`${url}${path}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify(commands),
  });
}

describe("Upstash REST endpoint", () => {
  it("round-trips values through the production SDK (base64 on by default)", async () => {
    const redis = new Redis({ url, token, enableTelemetry: false });
    const k = key("sdk");
    await redis.set(k, { tempo: 120, name: "Boom bap ✓" });
    expect(await redis.get(k)).toEqual({ tempo: 120, name: "Boom bap ✓" });
    expect(await redis.incr(key("n"))).toBe(1);
  });

  it("encodes every string but OK in base64 when asked", async () => {
    const k = key("b64");
    const encoded = await raw(
      "/pipeline",
      [
        ["SET", k, "héllo"],
        ["GET", k],
        ["INCR", `${k}:n`],
      ],
      {
        "Upstash-Encoding": "base64",
      },
    );
    expect(await encoded.json()).toEqual([
      { result: "OK" },
      { result: btoa(String.fromCharCode(...new TextEncoder().encode("héllo"))) },
      { result: 1 },
    ]);
    const plain = await raw("", ["GET", k]);
    expect(await plain.json()).toEqual({ result: "héllo" });
  });

  it("reports pipeline errors per command and still runs the others", async () => {
    const k = key("pipe");
    const res = await raw("/pipeline", [
      ["SET", k, "not-a-number"],
      ["INCR", k],
      ["GET", k],
    ]);
    expect(res.status).toBe(200);
    const results = (await res.json()) as { result?: unknown; error?: string }[];
    expect(results[0]).toEqual({ result: "OK" });
    expect(results[1]?.error).toMatch(/^ERR value is not an integer/);
    expect(results[2]).toEqual({ result: "not-a-number" });
  });

  it("answers a failing single command with 400 and the Redis error", async () => {
    const k = key("single");
    await raw("", ["SET", k, "x"]);
    const res = await raw("", ["INCR", k]);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^ERR value is not an integer/);
  });

  it("refuses a wrong token with 401", async () => {
    const res = await fetch(url, {
      method: "POST",
      headers: { Authorization: "Bearer wrong" },
      body: JSON.stringify(["PING"]),
    });
    expect(res.status).toBe(401);
    const sdk = new Redis({ url, token: "wrong", enableTelemetry: false, retry: false });
    await expect(sdk.ping()).rejects.toThrow();
  });
});
