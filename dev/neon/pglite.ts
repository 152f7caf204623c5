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
class PgliteDatabase implements SqlDatabase {
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

/** Options for startPgliteBackend. */
export interface PgliteBackendOptions {
  /** Persist the default database here; undefined keeps everything in memory. */
  dataDir?: string;
  log: (line: string) => void;
}

/**
 * Embedded Postgres: a migrated in-memory template PGlite; every database is a copy of it made
 * with dumpDataDir/loadDataDir (what PGlite's clone() does). With dataDir, the default database
 * lives there instead and is migrated in place.
 */
export async function startPgliteBackend(options: PgliteBackendOptions): Promise<PostgresBackend> {
  let template: Promise<PGlite> | undefined;
  const getTemplate = (): Promise<PGlite> => {
    template ??= (async () => {
      const db = await PGlite.create();
      await migratePglite(db);
      return db;
    })();
    return template;
  };
  const databases = new Map<string, Promise<PgliteDatabase>>();
  let templateDump: Promise<File | Blob> | undefined;
  const cloneTemplate = async (): Promise<PgliteDatabase> => {
    // The template never changes after migrating, so one dump serves every copy.
    templateDump ??= getTemplate().then((source) => source.dumpDataDir("none"));
    const dump = await templateDump;
    return new PgliteDatabase(await PGlite.create({ loadDataDir: dump }));
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
    databases.set(DEFAULT_DATABASE, Promise.resolve(new PgliteDatabase(db)));
  } else {
    version = await readVersion(await getTemplate());
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
        database = cloneTemplate();
        databases.set(name, database);
        database.catch(() => databases.delete(name));
      }
      return database;
    },
    close() {
      closed ??= (async () => {
        const all = [...databases.values()].map(async (db) => (await db).db);
        if (template) all.push(template);
        const results = await Promise.allSettled(all);
        await Promise.allSettled(
          results.map((result) => (result.status === "fulfilled" ? result.value.close() : undefined)),
        );
      })();
      return closed;
    },
  };
}

async function readVersion(db: PGlite): Promise<string> {
  const result = await db.query<{ version: string }>("select version()");
  const full = result.rows[0]?.version ?? "PostgreSQL (PGlite)";
  return full.split(" on ")[0] ?? full;
}
