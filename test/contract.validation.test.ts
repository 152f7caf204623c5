/**
 * Stub mode's validation against the worker's, for the request schemas the server does not
 * export (client/test/validation.test.ts compares the exported ones directly): the same bad
 * inputs must give the same status and the same `errors` (or sync/progress results).
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Backend } from "../client/src/backend";
import { BacklineError, memoryStorage } from "../client/src/index";
import { stubBackend } from "../client/src/stub/backend";
import { grantAdmin } from "../db/queries/admin";
import { createDb } from "../shared/clients";
import { loadConfig } from "../shared/config";
import { bearer, signUp } from "./support/accounts";
import { fileEnv, send } from "./support/harness";

const bindings = fileEnv("contract_validation");
let userToken: string;
let adminToken: string;
let stub: Backend;
let stubAdmin: Backend;

beforeAll(async () => {
  userToken = (await signUp(bindings)).accessToken;
  const admin = await signUp(bindings);
  await grantAdmin(createDb(loadConfig(bindings)), admin.email);
  const refreshed = await send(bindings, "/api/auth/refresh", {
    method: "POST",
    json: { refreshToken: admin.refreshToken },
  });
  adminToken = ((await refreshed.json()) as { accessToken: string }).accessToken;
  const world = memoryStorage();
  stub = stubBackend(world, memoryStorage());
  await stub.signUp({ email: "user@example.com", password: "a sturdy passphrase 42", displayName: "U" });
  stubAdmin = stubBackend(world, memoryStorage(), { admins: ["admin@example.com"] });
  await stubAdmin.signUp({
    email: "admin@example.com",
    password: "a sturdy passphrase 42",
    displayName: "A",
  });
});

/** The worker's answer: status and errors, or the JSON body of a success. */
async function real(method: string, path: string, token: string, json: unknown) {
  const res = await send(bindings, path, { method, headers: bearer(token), json });
  const body = (await res.json()) as { errors?: unknown };
  return res.status >= 400 ? { status: res.status, errors: body.errors ?? [] } : { status: res.status, body };
}

/** The stub's answer in the same shape. */
async function stubbed(call: () => Promise<unknown>, status = 200) {
  try {
    return { status, body: await call() };
  } catch (error) {
    if (!(error instanceof BacklineError)) throw error;
    return { status: error.status, errors: error.errors };
  }
}

const attempts: unknown[] = [
  {},
  { lessonId: "", score: -1 },
  { lessonId: "x".repeat(81), score: 100.5, completed: "yes" },
  { lessonId: 5, score: "10", extra: true },
  { lessonId: "counting-beats", score: 101, completed: null },
  [],
  null,
];

const shares: unknown[] = [
  {},
  { patternId: "nope", public: "yes", expiresIn: 59 },
  { patternId: "0b6f4a3e-7f5c-4a8e-9d21-5b0f3c2a1e77", expiresIn: 365 * 86_400 + 1, owner: "me" },
  { patternId: "0b6f4a3e-7f5c-4a8e-9d21-5b0f3c2a1e77", expiresIn: 100.5 },
  { patternId: "0b6f4a3e-7f5c-4a8e-9d21-5b0f3c2a1e77", expiresIn: "60" },
];

const lessons: unknown[] = [
  {},
  { id: "Bad Id", title: " ", category: "x_y", difficulty: "expert" },
  {
    id: "a".repeat(81),
    title: "t".repeat(121),
    category: "ok",
    difficulty: "beginner",
    config: [],
    isPremium: 1,
    position: -1,
    published: "no",
  },
  {
    id: "ok-id",
    title: "T",
    category: "ok",
    difficulty: "beginner",
    config: { a: 1 },
    position: 10_001,
    extra: 1,
  },
  { id: "-bad", title: 5, category: "", difficulty: null, position: 1.5 },
];

const syncChanges: unknown[][] = [
  [
    { op: "move", id: "0b6f4a3e-7f5c-4a8e-9d21-5b0f3c2a1e77" },
    { op: "upsert", id: "nope", baseVersion: 0 },
    {
      op: "upsert",
      id: "0b6f4a3e-7f5c-4a8e-9d21-5b0f3c2a1e77",
      pattern: { name: "", tempo: 10, tracks: [{}] },
    },
    "x",
    {
      op: "upsert",
      id: "1b6f4a3e-7f5c-4a8e-9d21-5b0f3c2a1e77",
      pattern: { name: "ok", tempo: 100, tracks: [], extra: 1 },
    },
  ],
];

describe("stub validation equals the worker's", () => {
  it.each(attempts.map((a) => [a]))("progress attempt %j", async (body) => {
    const r = await real("POST", "/api/progress", userToken, body);
    expect(r.status).toBe(400);
    expect(await stubbed(() => stub.recordProgress(body as never))).toEqual(r);
  });

  it.each(shares.map((a) => [a]))("share %j", async (body) => {
    const r = await real("POST", "/api/shares", userToken, body);
    expect(r.status).toBe(400);
    expect(await stubbed(() => stub.createShare(body as never))).toEqual(r);
  });

  it.each(lessons.map((a) => [a]))("lesson %j", async (body) => {
    const r = await real("POST", "/api/lessons", adminToken, body);
    expect(r.status).toBe(400);
    expect(await stubbed(() => stubAdmin.createLesson(body as never))).toEqual(r);
  });

  it.each(["", "x".repeat(256), "price_nope", 5])("checkout price %j", async (priceId) => {
    const r = await real("POST", "/api/billing/checkout", userToken, { priceId });
    expect(r.status).toBe(400);
    expect(await stubbed(() => stub.checkout(priceId as never))).toEqual(r);
  });

  it.each(syncChanges)("pattern sync results", async (...changes) => {
    const r = await real("POST", "/api/patterns/sync", userToken, { changes });
    expect(r.status).toBe(200);
    const s = await stubbed(() => stub.syncPatterns({ since: "0", changes } as never));
    const results = (x: { body?: unknown }) =>
      (x.body as { results: { id: string; status: string; reason?: string }[] }).results.map((e) => [
        e.id,
        e.status,
        e.reason,
      ]);
    expect(results(s)).toEqual(results(r));
  });
});
