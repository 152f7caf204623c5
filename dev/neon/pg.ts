import { type FieldDef, Pool, type PoolClient, type PoolConfig, type QueryArrayConfig } from "pg";
import {
  assertDatabaseName,
  type BatchOptions,
  DEFAULT_DATABASE,
  type PostgresBackend,
  PostgresError,
  type SqlDatabase,
  type SqlResult,
  type SqlStatement,
  TEMPLATE_DATABASE,
  transactionCharacteristics,
} from "./backend";
import { migratePg } from "./migrations";

/** node-postgres query config plus the (untyped) switch that forces the extended protocol, as Neon uses. */
type ExtendedQueryConfig = QueryArrayConfig<(string | null)[]> & { queryMode: "extended" };

const textTypes = { getTypeParser: () => (value: string) => value };

/** A node-postgres pool that hands every value back as Postgres text (and ignores pool errors). */
function textPool(config: PoolConfig): Pool {
  const pool = new Pool({ ...config, types: textTypes });
  pool.on("error", () => {});
  return pool;
}

function toResult(result: {
  command: string;
  rowCount: number | null;
  fields: FieldDef[];
  rows: (string | null)[][];
}): SqlResult {
  return {
    command: result.command,
    rowCount: result.rowCount,
    fields: result.fields.map((field) => ({
      name: field.name,
      tableID: field.tableID,
      columnID: field.columnID,
      dataTypeID: field.dataTypeID,
      dataTypeSize: field.dataTypeSize,
      dataTypeModifier: field.dataTypeModifier,
      format: "text" as const,
    })),
    rows: result.rows,
  };
}

async function runStatement(client: PoolClient, statement: SqlStatement): Promise<SqlResult> {
  const config: ExtendedQueryConfig = {
    text: statement.query,
    values: statement.params,
    rowMode: "array",
    queryMode: "extended",
  };
  return toResult(await client.query<(string | null)[]>(config));
}

/** One database of a real PostgreSQL server, reached through a text pool. */
class PgDatabase implements SqlDatabase {
  constructor(readonly pool: Pool) {}

  async query(statement: SqlStatement): Promise<SqlResult> {
    const client = await this.pool.connect();
    try {
      const result = await runStatement(client, statement);
      // Each HTTP query is its own session on Neon: never return a client in a transaction.
      if (result.command === "BEGIN" || result.command === "START") await client.query("ROLLBACK");
      return result;
    } catch (error) {
      throw PostgresError.from(error);
    } finally {
      client.release();
    }
  }

  async batch(statements: SqlStatement[], options: BatchOptions): Promise<SqlResult[]> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query(`BEGIN ${transactionCharacteristics(options)}`);
      const results: SqlResult[] = [];
      for (const statement of statements) results.push(await runStatement(client, statement));
      await client.query("COMMIT");
      return results;
    } catch (error) {
      await client.query("ROLLBACK").catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw PostgresError.from(error);
    } finally {
      client.release(broken);
    }
  }
}

/** Options for startPgBackend. */
export interface PgBackendOptions {
  /** Connection string of a role allowed to CREATE DATABASE. */
  adminUrl: string;
  log: (line: string) => void;
  /** Runs after every pool is closed (stops a throwaway cluster). */
  onClose?: () => Promise<void>;
}

function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Postgres through node-postgres: migrates `backline_template`, then creates every database
 * (the default one included) with CREATE DATABASE … TEMPLATE backline_template.
 */
export async function startPgBackend(options: PgBackendOptions): Promise<PostgresBackend> {
  const admin = new Pool({ connectionString: options.adminUrl, max: 2 });
  admin.on("error", () => {});
  const pools: Pool[] = [admin];

  const exists = async (name: string) =>
    (await admin.query("select 1 from pg_database where datname = $1", [name])).rowCount === 1;

  /** CREATE DATABASE, tolerant of a concurrent creator and of a template briefly in use. */
  const create = async (name: string, template?: string) => {
    const sql = `CREATE DATABASE ${quoteIdent(name)}${template ? ` TEMPLATE ${quoteIdent(template)}` : ""}`;
    for (let attempt = 0; ; attempt += 1) {
      try {
        await admin.query(sql);
        return;
      } catch (error) {
        const state = sqlState(error);
        if (state === "42P04") return;
        if (state !== "55006" || attempt >= 50) throw error;
        await sleep(100);
      }
    }
  };

  const migrateDatabase = async (name: string) => {
    const pool = new Pool({ connectionString: databaseUrl(options.adminUrl, name), max: 1 });
    pool.on("error", () => {});
    try {
      await migratePg(pool);
    } finally {
      await pool.end();
    }
  };

  const openDatabase = (name: string) => {
    const pool = textPool({
      connectionString: databaseUrl(options.adminUrl, name),
      max: 4,
      idleTimeoutMillis: 10_000,
    });
    pools.push(pool);
    return new PgDatabase(pool);
  };

  let version: string;
  try {
    const shown = await admin.query<{ server_version: string }>("SHOW server_version");
    version = `PostgreSQL ${shown.rows[0]?.server_version ?? "unknown"}`;
    if (!(await exists(TEMPLATE_DATABASE))) await create(TEMPLATE_DATABASE);
    await migrateDatabase(TEMPLATE_DATABASE);
    if (await exists(DEFAULT_DATABASE)) await migrateDatabase(DEFAULT_DATABASE);
    else await create(DEFAULT_DATABASE, TEMPLATE_DATABASE);
  } catch (error) {
    await admin.end().catch(() => {});
    throw error;
  }

  const databases = new Map<string, Promise<PgDatabase>>();
  databases.set(DEFAULT_DATABASE, Promise.resolve(openDatabase(DEFAULT_DATABASE)));

  let closed: Promise<void> | undefined;
  const database = (name: string): Promise<PgDatabase> => {
    assertDatabaseName(name);
    if (closed) return Promise.reject(new Error("the Postgres backend is stopped"));
    let opened = databases.get(name);
    if (!opened) {
      opened = (async () => {
        // A fresh copy of the template per stack: leftovers of an earlier run must not leak in.
        if (await exists(name)) await admin.query(`DROP DATABASE ${quoteIdent(name)} WITH (FORCE)`);
        await create(name, TEMPLATE_DATABASE);
        return openDatabase(name);
      })();
      databases.set(name, opened);
      opened.catch(() => databases.delete(name));
    }
    return opened;
  };
  return {
    kind: "postgres",
    version,
    database,
    close() {
      closed ??= (async () => {
        await Promise.allSettled(pools.map((pool) => pool.end()));
        await options.onClose?.();
      })();
      return closed;
    },
  };
}
