import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import type { Pool } from "pg";
import { migratePglite } from "./migrations";
import { PgDatabase, textPool } from "./pg-database";
import {
  assertDatabaseName,
  DEFAULT_DATABASE,
  type PostgresBackend,
  type WireTarget,
} from "./postgres-backend";

const HOST = "127.0.0.1";
/** pglite-socket answers any user; this is what a real server would call the session's role. */
const PGLITE_USER = "postgres";
/** Open sockets one PGlite accepts: the HTTP pool's one plus every WebSocket connection. */
const MAX_SOCKETS = 256;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One PGlite database behind its own PGLiteSocketServer. PGlite is a single session: the socket
 * server's queue runs one wire message at a time and, while a connection has a transaction open,
 * only that connection's messages. The HTTP endpoint reaches the database through the same socket
 * (a one-connection pg pool), so an open WebSocket transaction holds HTTP queries back until it
 * ends instead of letting them run inside it.
 */
class ServedPglite {
  readonly target: WireTarget;
  readonly database: PgDatabase;
  private readonly pool: Pool;

  private constructor(
    readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    port: number,
  ) {
    this.target = { host: HOST, port, user: PGLITE_USER };
    // One connection: HTTP statements are serialized by the pool, as the single session requires.
    this.pool = textPool({ host: HOST, port, user: PGLITE_USER, database: "postgres", max: 1 });
    this.database = new PgDatabase(this.pool);
  }

  static async start(db: PGlite): Promise<ServedPglite> {
    const server = new PGLiteSocketServer({ db, host: HOST, port: 0, maxConnections: MAX_SOCKETS });
    await server.start();
    const port = Number(server.getServerConn().split(":").pop());
    return new ServedPglite(db, server, port);
  }

  /** Ends the HTTP pool, waits for every socket to detach (rolling back its transaction), closes PGlite. */
  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
    for (let waited = 0; this.server.getStats().activeConnections > 0 && waited < 2_000; waited += 20) {
      await sleep(20);
    }
    // A detaching handler may still be running its ROLLBACK: let it finish before closing PGlite.
    await this.db.runExclusive(async () => {}).catch(() => {});
    await this.server.stop();
    await this.db.close();
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
 * with dumpDataDir/loadDataDir (what PGlite's clone() does), served on its own loopback port.
 * With dataDir, the default database lives there instead and is migrated in place.
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
  const databases = new Map<string, Promise<ServedPglite>>();
  let templateDump: Promise<File | Blob> | undefined;
  const cloneTemplate = async (): Promise<ServedPglite> => {
    // The template never changes after migrating, so one dump serves every copy.
    templateDump ??= getTemplate().then((source) => source.dumpDataDir("none"));
    const dump = await templateDump;
    const db = await PGlite.create({ loadDataDir: dump });
    return ServedPglite.start(db).catch(async (error: unknown) => {
      await db.close();
      throw error;
    });
  };

  let version: string;
  if (options.dataDir) {
    const db = await PGlite.create({ dataDir: options.dataDir });
    try {
      await migratePglite(db);
      version = await readVersion(db);
      databases.set(DEFAULT_DATABASE, Promise.resolve(await ServedPglite.start(db)));
    } catch (error) {
      await db.close();
      throw error;
    }
  } else {
    version = await readVersion(await getTemplate());
  }

  let closed: Promise<void> | undefined;
  const served = (name: string): Promise<ServedPglite> => {
    assertDatabaseName(name);
    if (closed) return Promise.reject(new Error("the Postgres backend is stopped"));
    let database = databases.get(name);
    if (!database) {
      database = cloneTemplate();
      databases.set(name, database);
      database.catch(() => databases.delete(name));
    }
    return database;
  };
  return {
    kind: "pglite",
    version,
    database: async (name) => (await served(name)).database,
    wire: async (name) => (await served(name)).target,
    close() {
      closed ??= (async () => {
        const results = await Promise.allSettled(databases.values());
        await Promise.allSettled(
          results.map((result) => (result.status === "fulfilled" ? result.value.close() : undefined)),
        );
        await template?.then((db) => db.close()).catch(() => {});
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
