import { availableParallelism } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_DATABASE, type PostgresBackend } from "./backend";
import { startPgliteBackend } from "./pglite";

const saved = process.env.BACKLINE_PGLITE_KEEP_OPEN;
let backend: PostgresBackend;

beforeAll(async () => {
  // Threads read it when they start: each keeps one database besides the default.
  process.env.BACKLINE_PGLITE_KEEP_OPEN = "1";
  backend = await startPgliteBackend({ log: () => undefined });
});

afterAll(async () => {
  await backend?.close();
  if (saved === undefined) delete process.env.BACKLINE_PGLITE_KEEP_OPEN;
  else process.env.BACKLINE_PGLITE_KEEP_OPEN = saved;
});

const one = async (name: string) =>
  (await (await backend.database(name)).query({ query: "select count(*) from lessons", params: [] })).rows;

describe("PGlite threads", () => {
  it("close a thread's least recently used database beyond the limit, never the default, and say so when it is asked for", async () => {
    const threads = Math.max(1, Math.min(availableParallelism(), 4));
    await one(DEFAULT_DATABASE);
    // Databases go to the threads in turn: with one more name than threads, the first and the
    // last share a thread, and the first is closed.
    const names = Array.from({ length: threads + 1 }, (_, i) => `lru_${i}`);
    for (const name of names) expect(await one(name)).toEqual([[expect.any(String)]]);
    await expect(one("lru_0")).rejects.toThrow(
      /"lru_0" was closed: a PGlite thread keeps its 1 most recently used/,
    );
    for (const name of names.slice(1)) expect(await one(name)).toHaveLength(1);
    expect(await one(DEFAULT_DATABASE)).toHaveLength(1);
  });
});
