/**
 * One thread of the embedded Postgres (dev/neon/pglite.ts): it holds the PGlite databases the
 * main thread assigns to it, each a copy of the migrated template it was started with, and runs
 * their statements. PGlite computes on the thread that calls it; here that is not the thread
 * answering HTTP for the stack (the Neon and Upstash endpoints, the embedded Redis).
 */
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";
import { PostgresError } from "./backend";
import { PgliteDatabase, type ThreadReply, type ThreadRequest } from "./pglite";

const port = parentPort;
if (!port) throw new Error("dev/neon/pglite-thread.ts runs as a worker thread of dev/neon/pglite.ts");
const template = new Blob([(workerData as { template: ArrayBuffer }).template]);
const databases = new Map<string, Promise<PgliteDatabase>>();

function database(name: string): Promise<PgliteDatabase> {
  let db = databases.get(name);
  if (!db) {
    db = PGlite.create({ loadDataDir: template }).then((pglite) => new PgliteDatabase(pglite));
    databases.set(name, db);
    db.catch(() => databases.delete(name));
  }
  return db;
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
