/**
 * One thread of the embedded Postgres (dev/neon/pglite.ts): it holds the PGlite databases the
 * main thread assigns to it, each a copy of the migrated template it was started with, and runs
 * their statements. PGlite computes on the thread that calls it; here that is not the thread
 * answering HTTP for the stack (the Neon and Upstash endpoints, the embedded Redis).
 */
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";
import { DEFAULT_DATABASE, PostgresError } from "./backend";
import { PgliteDatabase, type ThreadReply, type ThreadRequest } from "./pglite";

const port = parentPort;
if (!port) throw new Error("dev/neon/pglite-thread.ts runs as a worker thread of dev/neon/pglite.ts");
const template = new Blob([(workerData as { template: ArrayBuffer }).template]);
/** Open databases, least recently used first (each use moves one to the end). */
const databases = new Map<string, Promise<PgliteDatabase>>();
/** Databases closed to bound memory: a request to one fails instead of finding it empty. */
const evicted = new Set<string>();
/**
 * Each copy holds about 180 MB, and a test run opens one per test file: 73 files grew the stack
 * to 13 GB and slowed every copy past the worker's 5 s deadline. A thread keeps this many besides
 * the stack's default database, which never goes; two files run at a time, each done within a minute.
 * BACKLINE_PGLITE_KEEP_OPEN overrides it, for the test of this.
 */
const KEEP_OPEN = Number(process.env.BACKLINE_PGLITE_KEEP_OPEN) || 8;

function database(name: string): Promise<PgliteDatabase> {
  if (evicted.has(name)) {
    return Promise.reject(
      new Error(`database "${name}" was closed: a PGlite thread keeps its ${KEEP_OPEN} most recently used`),
    );
  }
  let db = databases.get(name);
  if (db) {
    databases.delete(name);
    databases.set(name, db);
    return db;
  }
  db = PGlite.create({ loadDataDir: template }).then((pglite) => new PgliteDatabase(pglite));
  databases.set(name, db);
  db.catch(() => databases.delete(name));
  evictBeyond(KEEP_OPEN);
  return db;
}

function evictBeyond(limit: number): void {
  const closable = [...databases.keys()].filter((name) => name !== DEFAULT_DATABASE);
  for (const name of closable.slice(0, Math.max(0, closable.length - limit))) {
    const db = databases.get(name);
    databases.delete(name);
    evicted.add(name);
    db?.then((open) => open.db.close()).catch(() => undefined);
  }
}

async function answer(request: ThreadRequest): Promise<unknown> {
  switch (request.op) {
    case "open":
      await database(request.name);
      return null;
    case "query":
      return (await database(request.name)).query(request.statement);
    case "batch":
      return (await database(request.name)).batch(request.statements, request.options);
    case "close": {
      const all = await Promise.allSettled(databases.values());
      await Promise.allSettled(
        all.map((db) => (db.status === "fulfilled" ? db.value.db.close() : undefined)),
      );
      return null;
    }
  }
}

port.on("message", (request: ThreadRequest) => {
  answer(request).then(
    (result) => port.postMessage({ id: request.id, result } satisfies ThreadReply),
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      const fields = error instanceof PostgresError ? error.fields : undefined;
      port.postMessage({ id: request.id, error: { message, fields } } satisfies ThreadReply);
    },
  );
});
