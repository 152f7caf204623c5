/**
 * Local validation (savePattern, saveProgress, deletePattern) and stub mode validate with the
 * API's own request schemas (shared/schemas): these tests check that each call uses the
 * route's schema and answers with the `errors` the worker's validator renders for it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { fromZodError } from "../../shared/app";
import { CheckoutBody } from "../../shared/schemas/billing";
import { LessonBody } from "../../shared/schemas/lessons";
import { CreatePatternBody, PatternIdParam } from "../../shared/schemas/patterns";
import { AttemptBody } from "../../shared/schemas/progress";
import { CreateShareBody } from "../../shared/schemas/shares";
import type { Backend } from "../src/backend";
import { BacklineError, createBackline, memoryStorage } from "../src/index";
import { stubBackend } from "../src/stub/backend";
import { parse } from "../src/validate";

/** What the worker answers for `input` at a route validating with `schema`: the value or its `errors`. */
function server(schema: z.ZodType, input: unknown, where?: string) {
  const result = schema.safeParse(input);
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, errors: fromZodError(result.error, where).extensions.errors };
}

const goodPattern = {
  id: "0b6f4a3e-7f5c-4a8e-9d21-5b0f3c2a1e77",
  name: "Groove",
  tempo: 120,
  tracks: [{ id: "t1", instrument: "kick", steps: [true, false, 0.5, 1], volume: 0.8, pan: -0.5 }],
  mixer: { masterVolume: 0.9, swing: 0.1, effects: { reverb: 0.3, delay: true, name: "hall" } },
  isPublic: true,
};

describe("the SDK's errors are the worker's", () => {
  it("a local check lists each field at fault, nested paths dotted, unknown keys one by one", () => {
    expect(parse(CreatePatternBody, goodPattern)).toMatchObject({ ok: true });
    const bad = {
      ...goodPattern,
      tempo: 12.5,
      tracks: [{ ...goodPattern.tracks[0], volume: 2 }],
      extra: 1,
      userId: "u",
    };
    expect(parse(CreatePatternBody, bad)).toEqual({
      ok: false,
      errors: expect.arrayContaining([
        { path: "tempo", message: expect.stringContaining("int") },
        { path: "tracks.0.volume", message: "Too big: expected number to be <=1" },
        { path: "extra", message: "is not a field you can send here" },
        { path: "userId", message: "is not a field you can send here" },
      ]),
    });
    expect(parse(CreatePatternBody, null)).toEqual({
      ok: false,
      errors: [{ path: "(root)", message: "Invalid input: expected object, received null" }],
    });
  });

  it("paths of a path parameter are under `param`", () => {
    expect(parse(PatternIdParam, { id: "nope" }, "param")).toEqual(
      server(PatternIdParam, { id: "nope" }, "param"),
    );
    expect(parse(PatternIdParam, { id: "nope" }, "param")).toMatchObject({
      errors: [{ path: "param.id", message: "Invalid UUID" }],
    });
  });

  it("an invalid save fails offline with the API's problem", async () => {
    const client = createBackline({ mode: "http", baseUrl: "http://127.0.0.1:9", storage: memoryStorage() });
    const bad = { name: "", tempo: 10, tracks: [], extra: true };
    const error = (await client.dataSync.savePattern(bad as never).catch((e: unknown) => e)) as BacklineError;
    expect(error).toBeInstanceOf(BacklineError);
    expect([error.status, error.instance, error.errors]).toEqual([
      400,
      "/api/patterns",
      (server(CreatePatternBody, bad) as { errors: unknown }).errors,
    ]);
    const attempt = { lessonId: "", score: 101.5 };
    const progress = (await client.dataSync.saveProgress(attempt).catch((e: unknown) => e)) as BacklineError;
    expect([progress.status, progress.errors]).toEqual([
      400,
      (server(AttemptBody, attempt) as { errors: unknown }).errors,
    ]);
  });
});

describe("stub mode validates each route with its schema", () => {
  let stub: Backend;
  let stubAdmin: Backend;

  beforeAll(async () => {
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

  /** The stub's answer: status and errors of the problem it raises. */
  async function stubbed(call: () => Promise<unknown>) {
    try {
      return { status: 200, body: await call() };
    } catch (error) {
      if (!(error instanceof BacklineError)) throw error;
      return { status: error.status, errors: error.errors };
    }
  }
  const rejected = (schema: z.ZodType, body: unknown) => {
    const answer = server(schema, body);
    expect(answer.ok).toBe(false);
    return { status: 400, errors: (answer as { errors: unknown }).errors };
  };

  it.each([
    [{}],
    [{ lessonId: "x".repeat(81), score: 100.5, completed: "yes" }],
    [{ lessonId: 5, score: "10", extra: true }],
    [null],
  ])("progress attempt %j", async (body) => {
    expect(await stubbed(() => stub.recordProgress(body as never))).toEqual(rejected(AttemptBody, body));
  });

  it.each([
    [{ patternId: "nope", public: "yes", expiresIn: 59 }],
    [{ patternId: goodPattern.id, expiresIn: 365 * 86_400 + 1, owner: "me" }],
    [{ patternId: goodPattern.id, expiresIn: "60" }],
  ])("share %j", async (body) => {
    expect(await stubbed(() => stub.createShare(body as never))).toEqual(rejected(CreateShareBody, body));
  });

  it.each([
    [{ id: "Bad Id", title: " ", category: "x_y", difficulty: "expert" }],
    [{ id: "ok-id", title: "T", category: "ok", difficulty: "beginner", config: [], position: 10_001, x: 1 }],
  ])("lesson %j", async (body) => {
    expect(await stubbed(() => stubAdmin.createLesson(body as never))).toEqual(rejected(LessonBody, body));
  });

  it.each(["", "x".repeat(256), 5])("checkout price %j", async (priceId) => {
    expect(await stubbed(() => stub.checkout(priceId as never))).toEqual(rejected(CheckoutBody, { priceId }));
  });

  it("rejects malformed sync changes with the field errors the worker gives (functions/patterns/sync.ts)", async () => {
    const id = "0b6f4a3e-7f5c-4a8e-9d21-5b0f3c2a1e77";
    const other = "1b6f4a3e-7f5c-4a8e-9d21-5b0f3c2a1e77";
    const changes = [
      { op: "move", id },
      { op: "upsert", id: "nope", baseVersion: 0 },
      { op: "upsert", id, pattern: { name: "", tempo: 10, tracks: [{}] } },
      "x",
      { op: "upsert", id: other, pattern: { name: "ok", tempo: 100, tracks: [], extra: 1 } },
    ];
    const { results } = await stub.syncPatterns({ since: "0", changes } as never);
    expect(results.map((r) => [r.id, r.status, r.reason, r.errors])).toEqual([
      [
        id,
        "rejected",
        "the change is not valid",
        [{ path: "op", message: 'Invalid option: expected one of "upsert"|"delete"' }],
      ],
      [
        "nope",
        "rejected",
        "the change is not valid",
        [
          { path: "id", message: "Invalid UUID" },
          { path: "baseVersion", message: "Too small: expected number to be >=1" },
        ],
      ],
      [
        id,
        "rejected",
        "the pattern is not valid",
        [
          { path: "pattern.name", message: "Too small: expected string to have >=1 characters" },
          { path: "pattern.tempo", message: "Too small: expected number to be >=20" },
          {
            path: "pattern.tracks.0.instrument",
            message: "Invalid input: expected string, received undefined",
          },
          { path: "pattern.tracks.0.steps", message: "Invalid input: expected array, received undefined" },
          { path: "pattern.tracks.0.volume", message: "Invalid input: expected number, received undefined" },
        ],
      ],
      [
        "",
        "rejected",
        "the change is not valid",
        [{ path: "(root)", message: "Invalid input: expected object, received string" }],
      ],
      [
        other,
        "rejected",
        "the pattern is not valid",
        [{ path: "pattern.extra", message: "is not a field you can send here" }],
      ],
    ]);
  });
});
