import { DrizzleQueryError } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createRouter } from "../shared/app";
import { problems } from "../shared/errors";
import { fileEnv, send } from "./support/harness";
import { appWith, notesGroup } from "./support/test-app";

const bindings = fileEnv("problems");

type Problem = {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance: string;
  requestId: string;
  errors?: { path: string; message: string }[];
};

async function problemOf(res: Response): Promise<Problem> {
  expect(res.headers.get("Content-Type")).toBe("application/problem+json");
  return (await res.json()) as Problem;
}

const failing = createRouter()
  .get("/driver", () => {
    throw Object.assign(
      new Error('duplicate key value violates unique constraint "users_email_key" password=hunter2'),
      {
        code: "23505",
      },
    );
  })
  .get("/string", () => {
    throw "not even an Error";
  })
  .get("/unavailable", () => {
    throw problems.unavailable("A dependency is down.");
  })
  .get("/wrapped", () => {
    // What a query rejected by read-ahead's gate throws: Drizzle's error, the refusal as its cause.
    throw new DrizzleQueryError("select 1", [], problems.unauthorized());
  });

describe("problem+json", () => {
  const notes = appWith("/api/notes", notesGroup());

  it("400 lists every field at fault", async () => {
    const res = await send(
      bindings,
      "/api/notes",
      { method: "POST", json: { title: "", tempo: 999 } },
      notes,
    );
    expect(res.status).toBe(400);
    const body = await problemOf(res);
    expect(body.type).toBe("https://backline.dev/problems/validation");
    expect(body.status).toBe(400);
    expect(body.instance).toBe("/api/notes");
    expect(body.requestId).toBe(res.headers.get("X-Request-Id"));
    expect(body.errors?.map((e) => e.path).sort()).toEqual(["tempo", "title"]);
    expect(body.errors?.every((e) => e.message.length > 0)).toBe(true);
  });

  it("400 names the query parameter at fault", async () => {
    const res = await send(
      bindings,
      "/api/notes?dryRun=maybe",
      { method: "POST", json: { title: "a", tempo: 90 } },
      notes,
    );
    expect(res.status).toBe(400);
    expect((await problemOf(res)).errors?.[0]?.path).toBe("query.dryRun");
  });

  it("400 for a malformed JSON body", async () => {
    const res = await send(
      bindings,
      "/api/notes",
      { method: "POST", body: "{not json", headers: { "Content-Type": "application/json" } },
      notes,
    );
    expect(res.status).toBe(400);
    expect((await problemOf(res)).type).toBe("https://backline.dev/problems/validation");
  });

  it("passes valid input through", async () => {
    const res = await send(
      bindings,
      "/api/notes",
      { method: "POST", json: { title: "Beat", tempo: 90 } },
      notes,
    );
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ ok: true, note: { title: "Beat", tempo: 90 } });
  });

  it("404 for an unknown route, through the worker entry", async () => {
    const res = await send(bindings, "/api/nope");
    expect(res.status).toBe(404);
    const body = await problemOf(res);
    expect(body.type).toBe("https://backline.dev/problems/not-found");
    expect(body.instance).toBe("/api/nope");
  });

  it("413 when the body is over the limit", async () => {
    const small = { ...bindings, MAX_BODY_BYTES: "2048" };
    const res = await send(
      small,
      "/api/notes",
      { method: "POST", json: { title: "x".repeat(5000), tempo: 90 } },
      notes,
    );
    expect(res.status).toBe(413);
    expect((await problemOf(res)).type).toBe("https://backline.dev/problems/payload-too-large");
  });

  it("500 hides the driver message and stack", async () => {
    const app = appWith("/api/fail", failing);
    for (const path of ["/api/fail/driver", "/api/fail/string"]) {
      const res = await send(bindings, path, {}, app);
      expect(res.status).toBe(500);
      const text = await res.clone().text();
      expect(text).not.toMatch(/duplicate key|hunter2|23505|at .*\.ts|not even/);
      const body = await problemOf(res);
      expect(body.type).toBe("https://backline.dev/problems/internal");
      expect(body.title).toBe("Internal server error");
      expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("answers a refusal the database driver wrapped with its own status, not a 500", async () => {
    const res = await send(bindings, "/api/failing/wrapped", {}, appWith("/api/failing", failing));
    expect(res.status).toBe(401);
    expect((await problemOf(res)).status).toBe(401);
  });

  it("503 always tells the client when to retry", async () => {
    const res = await send(bindings, "/api/fail/unavailable", {}, appWith("/api/fail", failing));
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect((await problemOf(res)).type).toBe("https://backline.dev/problems/unavailable");
  });

  it("echoes a well-formed X-Request-Id and replaces a malformed one", async () => {
    const good = await send(bindings, "/api/nope", { headers: { "X-Request-Id": "abc-123_XYZ" } });
    expect(good.headers.get("X-Request-Id")).toBe("abc-123_XYZ");
    const bad = await send(bindings, "/api/nope", { headers: { "X-Request-Id": "evil value\u00e9" } });
    expect(bad.headers.get("X-Request-Id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("sends secure headers", async () => {
    const res = await send(bindings, "/api/health");
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(res.headers.get("Strict-Transport-Security")).toContain("max-age=");
  });
});

describe("config validation", () => {
  it.each([
    ["JWT_SECRET", { JWT_SECRET: "too-short" }, /JWT_SECRET must be at least 32 bytes/],
    ["JWT_SECRET", { JWT_SECRET: undefined }, /JWT_SECRET is missing/],
    [
      "STRIPE_SECRET_KEY",
      { STRIPE_SECRET_KEY: "sk_test_replace_me" },
      /STRIPE_SECRET_KEY still holds the example value/,
    ],
    ["DATABASE_URL", { DATABASE_URL: "mysql://nope" }, /DATABASE_URL must look like postgres/],
    [
      "UPSTASH_REDIS_REST_URL",
      { UPSTASH_REDIS_REST_URL: "redis://x" },
      /UPSTASH_REDIS_REST_URL must be an http\(s\) URL/,
    ],
    ["BILLING_PLANS", { BILLING_PLANS: "[{" }, /BILLING_PLANS is not valid JSON/],
    ["BILLING_PLANS", { BILLING_PLANS: "[]" }, /BILLING_PLANS must list at least one plan/],
    [
      "BILLING_PLANS",
      {
        BILLING_PLANS:
          '[{"id":"x","name":"X","priceId":"nope","tier":"premium","interval":"month","amount":1}]',
      },
      /priceId must be a Stripe price id/,
    ],
    ["BILLING_GRACE_PERIOD", { BILLING_GRACE_PERIOD: "soon" }, /BILLING_GRACE_PERIOD must look like '3 d'/],
  ])("refuses requests when %s is bad", async (binding, override, message) => {
    const res = await send({ ...bindings, ...override } as typeof bindings, "/api/health");
    expect(res.status).toBe(500);
    const body = await problemOf(res);
    expect(body.type).toBe("https://backline.dev/problems/config-invalid");
    // The path names the binding, and within a JSON binding the element at fault.
    expect(body.errors?.some((e) => e.path === binding || e.path.startsWith(`${binding}.`))).toBe(true);
    expect(body.detail).toMatch(message);
    expect(JSON.stringify(body)).not.toContain(bindings.UPSTASH_REDIS_REST_TOKEN);
  });
});
