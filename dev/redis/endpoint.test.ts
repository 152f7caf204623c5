import { createHash } from "node:crypto";
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../stack";

let stack: Stack;
let redis: Redis;

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

/** Raw Upstash REST call (what the SDK does, minus its decoding). */
async function rest(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${stack.upstashUrl}${path}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${stack.upstashToken}`, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as unknown, headers: res.headers };
}

/** Sleeps until just after the next multiple of `windowMs`, so a burst lands in one window. */
async function alignToWindow(windowMs: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, windowMs - (Date.now() % windowMs) + 20));
}

beforeAll(async () => {
  stack = await startStack({ quiet: true });
  redis = new Redis({ url: stack.upstashUrl, token: stack.upstashToken });
});

afterAll(async () => {
  await stack?.stop();
});

describe("Upstash REST endpoint through @upstash/redis", () => {
  it("round-trips values with base64 responses (the SDK default)", async () => {
    expect(await redis.set("greeting", "héllo ✓")).toBe("OK");
    expect(await redis.get("greeting")).toBe("héllo ✓");
    await redis.set("profile", { name: "Ada", tags: ["x"] });
    expect(await redis.get("profile")).toEqual({ name: "Ada", tags: ["x"] });
    expect(await redis.incr("visits")).toBe(1);
  });

  it("round-trips values with plain JSON responses", async () => {
    const plain = new Redis({ url: stack.upstashUrl, token: stack.upstashToken, responseEncoding: false });
    await plain.set("plain", 'text with "quotes"', { ex: 60 });
    expect(await plain.get("plain")).toBe('text with "quotes"');
    const raw = await rest("", ["GET", "plain"]);
    expect(raw.body).toEqual({ result: 'text with "quotes"' });
    expect(await plain.ttl("plain")).toBeGreaterThan(50);
  });

  it("encodes every string but OK in base64 and echoes upstash-sync-token", async () => {
    const res = await rest("", ["PING"], { "Upstash-Encoding": "base64", "upstash-sync-token": "sync-1" });
    expect(res.body).toEqual({ result: b64("PONG") });
    expect(res.headers.get("upstash-sync-token")).toBe("sync-1");
    await rest("", ["SET", "word", "value"]);
    expect((await rest("", ["GET", "word"], { "Upstash-Encoding": "base64" })).body).toEqual({
      result: b64("value"),
    });
    expect((await rest("", ["SET", "ok", "1"], { "Upstash-Encoding": "base64" })).body).toEqual({
      result: "OK",
    });
  });

  it("keeps pipeline errors per command while the other commands run", async () => {
    const res = await rest("/pipeline", [
      ["SET", "word", "abc"],
      ["INCR", "word"],
      ["GET", "word"],
      ["NOSUCHCOMMAND"],
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      { result: "OK" },
      { error: "ERR value is not an integer or out of range" },
      { result: "abc" },
      { error: "ERR unknown command 'NOSUCHCOMMAND', with args beginning with: " },
    ]);
    const results = await redis.pipeline().set("w2", "xyz").incr("w2").get("w2").exec({ keepErrors: true });
    expect(results.map((r) => r.error ?? null)).toEqual([
      null,
      "ERR value is not an integer or out of range",
      null,
    ]);
    expect(results[2]?.result).toBe("xyz");
    await expect(redis.pipeline().set("w3", "x").incr("w3").exec()).rejects.toThrow(
      /Command 2 \[ incr \] failed/,
    );
  });

  it("runs multi-exec atomically with Redis transaction semantics", async () => {
    const res = await rest("/multi-exec", [
      ["SET", "counter", "10"],
      ["INCRBY", "counter", "5"],
      ["SET", "text", "abc"],
      ["INCR", "text"],
      ["GET", "counter"],
    ]);
    expect(res.body).toEqual([
      { result: "OK" },
      { result: 15 },
      { result: "OK" },
      { error: "ERR value is not an integer or out of range" },
      { result: "15" },
    ]);
    const aborted = await rest("/multi-exec", [["SET", "never", "1"], ["NOSUCHCOMMAND"]]);
    expect(aborted.status).toBe(400);
    expect(aborted.body).toMatchObject({ error: expect.stringMatching(/^EXECABORT/) });
    expect(await redis.exists("never")).toBe(0);
    const tx = await redis.multi().set("tx", "1").incr("tx").get("tx").exec();
    expect(tx).toEqual(["OK", 2, 2]);
  });

  it("refuses a wrong or missing token with 401", async () => {
    const wrong = await rest("", ["GET", "x"], { Authorization: "Bearer nope" });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: expect.any(String) });
    const missing = await fetch(stack.upstashUrl, { method: "POST", body: '["GET","x"]' });
    expect(missing.status).toBe(401);
    const other = new Redis({ url: stack.upstashUrl, token: "wrong", retry: false });
    await expect(other.get("x")).rejects.toThrow();
  });

  it("serves EVALSHA with the client's SHA after rewriting an Upstash shebang", async () => {
    const script = "#!lua flags=allow-key-locking\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])";
    const unknown = await rest("", ["EVALSHA", sha1(script), "1", "lua-counter", "2"]);
    expect(unknown).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^NOSCRIPT/) } });
    expect((await rest("", ["EVAL", script, "1", "lua-counter", "2"])).body).toEqual({ result: 2 });
    expect((await rest("", ["EVALSHA", sha1(script), "1", "lua-counter", "3"])).body).toEqual({ result: 5 });
    expect(await redis.evalsha(sha1(script), ["lua-counter"], ["1"])).toBe(6);
  });

  it("converts Lua replies like Redis (missing is false, false is nil, floats truncate)", async () => {
    await redis.set("lua-text", "4");
    const reply = await rest("", [
      "EVAL",
      "return {1, 2.9, 'x', false, redis.call('GET', KEYS[1]), tostring(redis.call('GET', KEYS[2])), redis.call('EXISTS', KEYS[1]), redis.call('INCRBY', KEYS[1], 2) == 6}",
      "2",
      "lua-text",
      "lua-missing",
    ]);
    expect(reply.body).toEqual({ result: [1, 2, "x", null, "4", "false", 1, 1] });
  });
});

describe("@upstash/ratelimit against the endpoint", () => {
  it("slidingWindow(3, '2 s') blocks the 4th call and allows again in the next window", async () => {
    const limiter = new Ratelimit({
      redis,
      limiter: Ratelimit.slidingWindow(3, "2 s"),
      prefix: "rl-sliding",
      ephemeralCache: false,
    });
    await alignToWindow(2000);
    const results = [];
    for (let i = 0; i < 4; i += 1) results.push(await limiter.limit("user-1"));
    expect(results.map((r) => r.success)).toEqual([true, true, true, false]);
    expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
    expect((await limiter.getRemaining("user-1")).remaining).toBe(0);
    await alignToWindow(2000);
    expect((await limiter.limit("user-1")).success).toBe(true);
  });
});

describe("command semantics the app relies on (identical on redis-server and the embedded fallback)", () => {
  const NOT_INTEGER = { error: "ERR value is not an integer or out of range" };
  type Case = [name: string, setup: unknown[][], command: unknown[], expected: unknown];
  const cases: Case[] = [
    ["SET NX on an existing key", [["SET", "k1", "a"]], ["SET", "k1", "b", "NX"], null],
    ["SET XX on a missing key", [], ["SET", "k2", "a", "XX"], null],
    ["SET GET returns the old value", [["SET", "k3", "a"]], ["SET", "k3", "b", "GET"], "a"],
    ["SET with a bad option", [], ["SET", "k4", "b", "BOGUS"], { error: "ERR syntax error" }],
    [
      "SET with PX 0",
      [],
      ["SET", "k5", "b", "PX", "0"],
      { error: "ERR invalid expire time in 'set' command" },
    ],
    ["INCR on text", [["SET", "k8", "abc"]], ["INCR", "k8"], NOT_INTEGER],
    ["INCRBY with a float", [], ["INCRBY", "k9", "1.5"], NOT_INTEGER],
    [
      "INCR keeps the TTL",
      [
        ["SET", "k10", "1", "EX", "100"],
        ["INCR", "k10"],
      ],
      ["TTL", "k10"],
      100,
    ],
    ["GET wrong arity", [], ["GET"], { error: "ERR wrong number of arguments for 'get' command" }],
    ["TTL of a key without expiry", [["SET", "k24", "v"]], ["TTL", "k24"], -1],
    ["TTL of a missing key", [], ["TTL", "k25"], -2],
    ["PEXPIRE on a missing key", [], ["PEXPIRE", "k26", "1000"], 0],
    ["EXISTS counts repeats", [["SET", "k28", "v"]], ["EXISTS", "k28", "k28", "missing"], 2],
    ["DEL", [["SET", "k29", "v"]], ["DEL", "k29", "missing"], 1],
    ["GETDEL returns the value", [["SET", "k30", "v"]], ["GETDEL", "k30"], "v"],
    [
      "GETDEL took it: a second one is nil",
      [
        ["SET", "k31", "v"],
        ["GETDEL", "k31"],
      ],
      ["GETDEL", "k31"],
      null,
    ],
  ];

  it.each(cases)("%s", async (_name, setup, command, expected) => {
    const prefix = `sem:${Math.random().toString(36).slice(2)}:`;
    const scoped = (args: unknown[]) =>
      args.map((arg, i) => (typeof arg === "string" && /^k\d+$/.test(arg) && i > 0 ? prefix + arg : arg));
    if (setup.length > 0) await rest("/pipeline", setup.map(scoped));
    const res = await rest("", scoped(command));
    if (expected !== null && typeof expected === "object" && !Array.isArray(expected)) {
      expect(res).toMatchObject({ status: 400, body: expected });
    } else {
      expect(res).toMatchObject({ status: 200, body: { result: expected } });
    }
  });

  it("expires keys set with PX", async () => {
    await rest("", ["SET", "short", "v", "PX", "150"]);
    const pttl = (await rest("", ["PTTL", "short"])).body as { result: number };
    expect(pttl.result).toBeGreaterThan(0);
    expect(pttl.result).toBeLessThanOrEqual(150);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await rest("", ["GET", "short"])).body).toEqual({ result: null });
  });
});
