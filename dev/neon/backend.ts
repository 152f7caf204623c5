import { findPostgresBinaries } from "./cluster";

/** A statement as the Neon driver sends it: SQL text plus params already encoded as text. */
export interface SqlStatement {
  query: string;
  params: (string | null)[];
}

/** One result column, with the fields node-postgres reports. */
export interface SqlField {
  name: string;
  tableID: number;
  columnID: number;
  dataTypeID: number;
  dataTypeSize: number;
  dataTypeModifier: number;
  format: "text";
}

/** A statement's result with every value in Postgres text output form. */
export interface SqlResult {
  command: string;
  rowCount: number | null;
  fields: SqlField[];
  rows: (string | null)[][];
}

/** Transaction characteristics of a batch (from the Neon-Batch-* headers). */
export interface BatchOptions {
  isolationLevel?: "READ UNCOMMITTED" | "READ COMMITTED" | "REPEATABLE READ" | "SERIALIZABLE";
  readOnly?: boolean;
  deferrable?: boolean;
}

/** The SET TRANSACTION clause for a batch's characteristics ("" when all are defaults). */
export function transactionCharacteristics(options: BatchOptions): string {
  const parts: string[] = [];
  if (options.isolationLevel) parts.push(`ISOLATION LEVEL ${options.isolationLevel}`);
  if (options.readOnly !== undefined) parts.push(options.readOnly ? "READ ONLY" : "READ WRITE");
  if (options.deferrable !== undefined) parts.push(options.deferrable ? "DEFERRABLE" : "NOT DEFERRABLE");
  return parts.join(" ");
}

/** One logical database. */
export interface SqlDatabase {
  /** Runs one statement in its own implicit transaction. */
  query(statement: SqlStatement): Promise<SqlResult>;
  /** Runs statements as one transaction: all results, or nothing and the first error. */
  batch(statements: SqlStatement[], options: BatchOptions): Promise<SqlResult[]>;
}

/** A Postgres server holding one database per name, each a copy of the migrated template. */
export interface PostgresBackend {
  kind: "pglite" | "postgres";
  version: string;
  /** The named database, created from the migrated template on first use. */
  database(name: string): Promise<SqlDatabase>;
  /** Closes every connection and stops what was started; idempotent. */
  close(): Promise<void>;
}

/** Postgres error fields, as a NeonDbError carries them. */
export const POSTGRES_ERROR_FIELDS = [
  "severity",
  "code",
  "detail",
  "hint",
  "position",
  "internalPosition",
  "internalQuery",
  "where",
  "schema",
  "table",
  "column",
  "dataType",
  "constraint",
  "file",
  "line",
  "routine",
] as const;

/** An error reported by Postgres itself (has a SQLSTATE), forwarded to the client as HTTP 400. */
export class PostgresError extends Error {
  readonly fields: Partial<Record<(typeof POSTGRES_ERROR_FIELDS)[number], string>>;

  constructor(message: string, fields: PostgresError["fields"]) {
    super(message);
    this.name = "PostgresError";
    this.fields = fields;
  }

  /** Wraps a driver error when it carries a SQLSTATE; returns other errors unchanged. */
  static from(error: unknown): unknown {
    if (!(error instanceof Error)) return error;
    const source = error as Error & Record<string, unknown>;
    if (typeof source.code !== "string" || !/^[0-9A-Z]{5}$/.test(source.code)) return error;
    const fields: PostgresError["fields"] = {};
    for (const key of POSTGRES_ERROR_FIELDS) {
      const value = source[key];
      if (typeof value === "string" || typeof value === "number") fields[key] = String(value);
    }
    return new PostgresError(error.message, fields);
  }
}

/** Thrown for a database name the stack refuses to serve. */
export class DatabaseNameError extends Error {}

/** Template every database is copied from. */
export const TEMPLATE_DATABASE = "backline_template";
/** Database used when the connection string names no other. */
export const DEFAULT_DATABASE = "backline";

const DATABASE_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const RESERVED_NAMES = new Set([TEMPLATE_DATABASE, "postgres", "template0", "template1"]);

/** Throws DatabaseNameError unless `name` is a database clients may use. */
export function assertDatabaseName(name: string): void {
  if (!DATABASE_NAME.test(name)) {
    throw new DatabaseNameError(`invalid database name "${name}": expected ${DATABASE_NAME.source}`);
  }
  if (RESERVED_NAMES.has(name)) throw new DatabaseNameError(`database name "${name}" is reserved`);
}

/** Which Postgres to run. */
export type PostgresChoice = "auto" | "pglite" | "postgres";

/** What startPostgresBackend needs. */
export interface PostgresBackendOptions {
  choice: PostgresChoice;
  pgliteDir?: string;
  log: (line: string) => void;
}

/** Starts the Postgres backend the choice and the machine allow (order in dev/README.md, "The stand-ins"). */
export async function startPostgresBackend(options: PostgresBackendOptions): Promise<PostgresBackend> {
  const { choice, log } = options;
  const externalUrl = process.env.DATABASE_URL;
  if (choice !== "pglite") {
    if (externalUrl) {
      const { startPgBackend } = await import("./pg");
      log(`postgres: using DATABASE_URL server ${redactUrl(externalUrl)}`);
      return startPgBackend({ adminUrl: externalUrl, log });
    }
    const binaries = findPostgresBinaries();
    if (binaries) {
      const { startPostgresCluster } = await import("./cluster");
      const { startPgBackend } = await import("./pg");
      const cluster = await startPostgresCluster(binaries);
      log(`postgres: throwaway PostgreSQL ${binaries.version} cluster on 127.0.0.1:${cluster.port}`);
      try {
        return await startPgBackend({ adminUrl: cluster.adminUrl, log, onClose: () => cluster.stop() });
      } catch (error) {
        await cluster.stop();
        throw error;
      }
    }
    if (choice === "postgres") {
      throw new Error(
        "BACKLINE_POSTGRES=postgres but neither DATABASE_URL is set nor /usr/lib/postgresql/*/bin/initdb exists",
      );
    }
  }
  const { startPgliteBackend } = await import("./pglite");
  log(`postgres: PGlite ${options.pgliteDir ? `persisted in ${options.pgliteDir}` : "in memory"}`);
  return startPgliteBackend({ dataDir: options.pgliteDir, log });
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable URL)";
  }
}
