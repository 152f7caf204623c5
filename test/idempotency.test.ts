import { describe, expect, it } from "vitest";
import { createRouter } from "../shared/app";
import { problems } from "../shared/errors";
import { idempotency, REPLAYED_HEADER } from "../shared/middleware/idempotency";
import { fileEnv, randomIp, send } from "./support/harness";
import { appWith } from "./support/test-app";

const bindings = fileEnv("idempotency");

let created = 0;
let failuresLeft = 0;
let release: (() => void) | undefined;
let started: (() => void) | undefined;

const orders = createRouter()
  .post("/", async (c) => {
    created += 1;
    const body = (await c.req.json()) as { item?: string; slow?: boolean };
    if (!body.item)
      throw problems.validation({ extensions: { errors: [{ path: "item", message: "required" }] } });
    if (body.slow) {
      started?.();
      await new Promise<void>((resolve) => (release = resolve));
    }
    if (failuresLeft > 0) {
      failuresLeft -= 1;
      throw new Error("database unreachable");
    }
    c.header("Location", `/api/orders/${created}`);
    return c.json({ order: created, item: body.item }, 201);
  })
  .patch("/", (c) => c.json({ patched: ++created }));

const app = appWith("/api/orders", orders, idempotency());

function post(key: string | undefined, json: unknown, ip: string) {
  const headers: Record<string, string> = { "CF-Connecting-IP": ip };
  if (key !== undefined) headers["Idempotency-Key"] = key;
  return send(bindings, "/api/orders", { method: "POST", headers, json }, app);
}

describe("Idempotency-Key", () => {
  it("replays a completed response, marked, without running the handler again", async () => {
    const ip = randomIp();
    const key = crypto.randomUUID();
    const first = await post(key, { item: "kick" }, ip);
    expect(first.status).toBe(201);
    const before = created;
    const firstBody = await first.json();

    const replay = await post(key, { item: "kick" }, ip);
    expect(replay.status).toBe(201);
    expect(await replay.json()).toEqual(firstBody);
    expect(replay.headers.get(REPLAYED_HEADER)).toBe("true");
    expect(replay.headers.get("Location")).toBe(first.headers.get("Location"));
    expect(first.headers.get(REPLAYED_HEADER)).toBeNull();
    expect(created).toBe(before);
  });

  it("keeps keys per principal", async () => {
    const key = crypto.randomUUID();
    await post(key, { item: "snare" }, randomIp());
    const before = created;
    const other = await post(key, { item: "snare" }, randomIp());
    expect(other.headers.get(REPLAYED_HEADER)).toBeNull();
    expect(created).toBe(before + 1);
  });

  it("answers 409 while the first request is still in flight", async () => {
    const ip = randomIp();
    const key = crypto.randomUUID();
    const first = post(key, { item: "hat", slow: true }, ip);
    // The first request holds the key once its handler runs.
    await new Promise<void>((resolve) => (started = resolve));
    const second = await post(key, { item: "hat", slow: true }, ip);
    expect(second.status).toBe(409);
    expect(((await second.json()) as { type: string }).type).toBe("https://backline.dev/problems/conflict");
    release?.();
    expect((await first).status).toBe(201);
  });

  it("answers 422 when the key is reused with a different body", async () => {
    const ip = randomIp();
    const key = crypto.randomUUID();
    expect((await post(key, { item: "clap" }, ip)).status).toBe(201);
    const res = await post(key, { item: "tom" }, ip);
    expect(res.status).toBe(422);
    expect(((await res.json()) as { type: string }).type).toBe("https://backline.dev/problems/unprocessable");
  });

  it.each(["", "has space", "x".repeat(256), "slash/key", "semi;colon"])(
    "answers 400 for the malformed key %j",
    async (key) => {
      const res = await post(key, { item: "ride" }, randomIp());
      expect(res.status).toBe(400);
      const body = (await res.json()) as { errors: { path: string }[] };
      expect(body.errors[0]?.path).toBe("Idempotency-Key");
    },
  );

  it("does not store 5xx results: a retry runs again", async () => {
    const ip = randomIp();
    const key = crypto.randomUUID();
    failuresLeft = 1;
    expect((await post(key, { item: "crash" }, ip)).status).toBe(500);
    const retry = await post(key, { item: "crash" }, ip);
    expect(retry.status).toBe(201);
    expect(retry.headers.get(REPLAYED_HEADER)).toBeNull();
  });

  it("does not store validation failures: the retry runs again", async () => {
    const ip = randomIp();
    const key = crypto.randomUUID();
    const before = created;
    expect((await post(key, {}, ip)).status).toBe(400);
    const retry = await post(key, {}, ip);
    expect(retry.status).toBe(400);
    expect(retry.headers.get(REPLAYED_HEADER)).toBeNull();
    expect(created).toBe(before + 2);
  });

  it("runs every request without a key", async () => {
    const ip = randomIp();
    const before = created;
    await post(undefined, { item: "a" }, ip);
    await post(undefined, { item: "a" }, ip);
    expect(created).toBe(before + 2);
  });
});
