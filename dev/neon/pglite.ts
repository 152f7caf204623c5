import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import {
  assertDatabaseName,
  type BatchOptions,
  DEFAULT_DATABASE,
  type PostgresBackend,
  PostgresError,
  type SqlDatabase,
  type SqlResult,
  type SqlStatement,
  transactionCharacteristics,
} from "./backend";
import { migratePglite } from "./migrations";
import { migratedTemplate, readVersion } from "./pglite-template";

/** Runs async jobs one at a time, in arrival order. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** Parser/serializer table answering "pass the text through" for every type id. */
const passThrough = new Proxy<Record<string, (value: string) => string>>(
  {},
  { get: () => (value: string) => value, set: () => true },
);

async function runStatement(db: PGlite | Transaction, statement: SqlStatement): Promise<SqlResult> {
  const result = await db.query<(string | null)[]>(statement.query, statement.params, { rowMode: "array" });
  return {
    command: result.command ?? "",
    rowCount: result.rowCount ?? null,
    fields: result.fields.map((field) => ({
      name: field.name,
      tableID: 0,
      columnID: 0,
      dataTypeID: field.dataTypeID,
      dataTypeSize: -1,
      dataTypeModifier: -1,
      format: "text" as const,
    })),
    rows: result.rows,
  };
}

/**
 * One PGlite instance = one database. PGlite is a single session, so each HTTP query (with the
 * ROLLBACK that may follow it) and each batch runs alone, in arrival order.
 */
export class PgliteDatabase implements SqlDatabase {
  private readonly mutex = new Mutex();

  constructor(readonly db: PGlite) {
    // Per-query options are merged by spreading, which a Proxy does not survive: set them on the instance.
    db.parsers = passThrough;
    db.serializers = passThrough;
  }

  query(statement: SqlStatement): Promise<SqlResult> {
    return this.mutex.run(async () => {
      try {
        const result = await runStatement(this.db, statement);
        // Each HTTP query is its own session on Neon: never leave a transaction open.
        if (result.command === "BEGIN" || result.command === "START") await this.db.exec("ROLLBACK");
        return result;
      } catch (error) {
        throw PostgresError.from(error);
      }
    });
  }

  batch(statements: SqlStatement[], options: BatchOptions): Promise<SqlResult[]> {
    return this.mutex.run(async () => {
      try {
        return await this.db.transaction(async (tx) => {
          const characteristics = transactionCharacteristics(options);
          if (characteristics) await tx.query(`SET TRANSACTION ${characteristics}`);
          const results: SqlResult[] = [];
          for (const statement of statements) results.push(await runStatement(tx, statement));
          return results;
        });
      } catch (error) {
        throw PostgresError.from(error);
      }
    });
  }
}

/** What a PGlite thread (dev/neon/pglite-thread.ts) is asked to do. */
type ThreadOp =
  | { op: "open"; name: string }
  | { op: "query"; name: string; statement: SqlStatement }
  | { op: "batch"; name: string; statements: SqlStatement[]; options: BatchOptions }
  | { op: "close" };

/** A request to a PGlite thread, numbered for its reply. */
export type ThreadRequest = ThreadOp & { id: number };

/** A PGlite thread's answer: the result, or the error (with its Postgres fields when it has them). */
export type ThreadReply =
  | { id: number; result: unknown; error?: undefined }
  | { id: number; error: { message: string; fields?: PostgresError["fields"] } };

type Pending = { resolve: (value: unknown) => void; reject: (error: unknown) => void };

/**
 * A thread holding copies of the template. It keeps the process alive only while it owes an
 * answer, so a stack that is never closed still exits.
 */
class PgliteThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  /** Why the thread can answer nothing more (it failed or exited). */
  private gone: Error | undefined;

  constructor(template: ArrayBuffer) {
    // tsx runs the thread's TypeScript, as it runs the stack's (whatever loader the caller has).
    this.worker = new Worker(new URL("./pglite-thread.ts", import.meta.url), {
      workerData: { template },
      execArgv: ["--import", "tsx"],
    });
    this.worker.unref();
    this.worker.on("message", (reply: ThreadReply) => this.settle(reply));
    this.worker.on("error", (error) => this.failAll(error));
    this.worker.on("exit", (code) => this.failAll(new Error(`a PGlite thread exited with code ${code}`)));
  }

  request<T>(request: ThreadOp): Promise<T> {
    if (this.gone) return Promise.reject(this.gone);
    const id = this.nextId++;
    if (this.pending.size === 0) this.worker.ref();
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }

  private settle(reply: ThreadReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.error === undefined) pending.resolve(reply.result);
    else if (reply.error.fields) pending.reject(new PostgresError(reply.error.message, reply.error.fields));
    else pending.reject(new Error(reply.error.message));
  }

  private failAll(error: Error): void {
    this.gone ??= error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    this.worker.unref();
  }
}

/** A database living in a PGlite thread; its statements run there, one at a time. */
class ThreadDatabase implements SqlDatabase {
  constructor(
    private readonly thread: PgliteThread,
    private readonly name: string,
  ) {}

  query(statement: SqlStatement): Promise<SqlResult> {
    return this.thread.request({ op: "query", name: this.name, statement });
  }

  batch(statements: SqlStatement[], options: BatchOptions): Promise<SqlResult[]> {
    return this.thread.request({ op: "batch", name: this.name, statements, options });
  }
}

/** Options for startPgliteBackend. */
export interface PgliteBackendOptions {
  /** Persist the default database here; undefined keeps everything in memory. */
  dataDir?: string;
  log: (line: string) => void;
}

/**
 * Embedded Postgres. The migrated template is made once and dumped (dumpDataDir, what PGlite's
 * clone() does), or read from its cache (dev/neon/pglite-template.ts); every database is a copy
 * of the dump, made and run in one of a few threads (one per core, at most 4), given out in turn.
 * Two test files' queries then run on two cores, and neither holds up the stack's HTTP thread,
 * which also answers for the embedded Redis (its callers give it 1 s). With dataDir, the default
 * database lives there instead, migrated in place and run on the stack's thread (`npm run dev`'s
 * one database).
 */
export async function startPgliteBackend(options: PgliteBackendOptions): Promise<PostgresBackend> {
  let threads: Promise<PgliteThread[]> | undefined;
  let templateVersion: string | undefined;
  const startThreads = (): Promise<PgliteThread[]> => {
    threads ??= (async () => {
      const { dump, version } = await migratedTemplate();
      templateVersion = version;
      const count = Math.max(1, Math.min(availableParallelism(), 4));
      return Array.from({ length: count }, () => new PgliteThread(dump));
    })();
    return threads;
  };
  const databases = new Map<string, Promise<SqlDatabase>>();
  const local: PgliteDatabase[] = [];
  let opened = 0;
  const openInThread = async (name: string): Promise<SqlDatabase> => {
    const all = await startThreads();
    const thread = all[opened++ % all.length] as PgliteThread;
    await thread.request({ op: "open", name });
    return new ThreadDatabase(thread, name);
  };

  let version: string;
  if (options.dataDir) {
    const db = await PGlite.create({ dataDir: options.dataDir });
    try {
      await migratePglite(db);
      version = await readVersion(db);
    } catch (error) {
      await db.close();
      throw error;
    }
    const database = new PgliteDatabase(db);
    local.push(database);
    databases.set(DEFAULT_DATABASE, Promise.resolve(database));
  } else {
    await startThreads();
    version = templateVersion ?? "PostgreSQL (PGlite)";
  }

  let closed: Promise<void> | undefined;
  return {
    kind: "pglite",
    version,
    database(name) {
      assertDatabaseName(name);
      if (closed) return Promise.reject(new Error("the Postgres backend is stopped"));
      let database = databases.get(name);
      if (!database) {
        database = openInThread(name);
        databases.set(name, database);
        database.catch(() => databases.delete(name));
      }
      return database;
    },
    close() {
      closed ??= (async () => {
        await Promise.allSettled(local.map((database) => database.db.close()));
        const all = await threads?.catch(() => []);
        await Promise.allSettled(
          (all ?? []).map(async (thread) => {
            await thread.request({ op: "close" }).catch(() => undefined);
            await thread.terminate();
          }),
        );
      })();
      return closed;
    },
  };
}
