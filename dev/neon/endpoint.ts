import { type Context, Hono } from "hono";
import { TRACE_PARAM } from "../counters";
import { errorMessage, isRecord } from "../http-util";
import {
  type BatchOptions,
  DatabaseNameError,
  type PostgresBackend,
  PostgresError,
  type SqlResult,
  type SqlStatement,
} from "./backend";

/** The longest the test-only hanging endpoint holds a request. */
const HANG_MAX_MS = 60_000;

/** A client mistake reported as HTTP 400 without a SQLSTATE. */
class BadRequest extends Error {}

const ISOLATION_LEVELS: Record<string, NonNullable<BatchOptions["isolationLevel"]>> = {
  ReadUncommitted: "READ UNCOMMITTED",
  ReadCommitted: "READ COMMITTED",
  RepeatableRead: "REPEATABLE READ",
  Serializable: "SERIALIZABLE",
};

type Header = (name: string) => string | undefined;

function booleanHeader(header: Header, name: string): boolean | undefined {
  const value = header(name)?.toLowerCase();
  if (value === undefined) return undefined;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new BadRequest(`invalid ${name} header: expected true or false`);
}

/** The database named by the path of the Neon-Connection-String header. */
function databaseName(header: Header): string {
  const connectionString = header("neon-connection-string");
  if (!connectionString) {
    throw new BadRequest(
      "missing Neon-Connection-String header (neon(url, { fetchOptions: { headers } }) replaces the driver's own " +
        `headers; put a trace key in the connection string instead: ?${TRACE_PARAM}=<key>)`,
    );
  }
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    throw new BadRequest("Neon-Connection-String is not a valid URL");
  }
  return decodeURIComponent(url.pathname.replace(/^\//, ""));
}

function encodeParam(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  return JSON.stringify(value);
}

function toStatement(value: unknown): SqlStatement {
  if (!isRecord(value) || typeof value.query !== "string") {
    throw new BadRequest('each query must be an object {"query": string, "params": array}');
  }
  const params = value.params ?? [];
  if (!Array.isArray(params)) throw new BadRequest("params must be an array");
  return { query: value.query, params: params.map(encodeParam) };
}

function batchOptions(header: Header): BatchOptions {
  const level = header("neon-batch-isolation-level");
  const isolationLevel = level === undefined ? undefined : ISOLATION_LEVELS[level];
  if (level !== undefined && !isolationLevel)
    throw new BadRequest(`invalid Neon-Batch-Isolation-Level "${level}"`);
  return {
    isolationLevel,
    readOnly: booleanHeader(header, "neon-batch-read-only"),
    deferrable: booleanHeader(header, "neon-batch-deferrable"),
  };
}

/** Converts a text value to the JSON value Neon sends when raw text output is off. */
function typedValue(value: string | null, dataTypeID: number): unknown {
  if (value === null) return null;
  switch (dataTypeID) {
    case 16:
      return value === "t";
    case 21:
    case 23:
    case 26:
    case 700:
    case 701:
      return Number(value);
    case 114:
    case 3802:
      return JSON.parse(value) as unknown;
    default:
      return value;
  }
}

/** Shapes one result the way Neon's HTTP API does for the given output switches. */
function renderResult(result: SqlResult, rawText: boolean, arrayMode: boolean) {
  const rows = result.rows.map((row) => {
    const values = rawText
      ? row
      : row.map((value, i) => typedValue(value, result.fields[i]?.dataTypeID ?? 0));
    if (arrayMode) return values;
    return Object.fromEntries(values.map((value, i) => [result.fields[i]?.name ?? `?column?${i}`, value]));
  });
  return {
    command: result.command,
    rowCount: result.rowCount,
    fields: result.fields,
    rows,
    rowAsArray: arrayMode,
  };
}

function errorResponse(c: Context, error: unknown): Response {
  if (error instanceof PostgresError) return c.json({ message: error.message, ...error.fields }, 400);
  if (error instanceof DatabaseNameError) return c.json({ message: error.message, code: "3D000" }, 400);
  if (error instanceof BadRequest) return c.json({ message: error.message }, 400);
  return c.json({ message: errorMessage(error) }, 500);
}

function parseBody(text: string): Record<string, unknown> {
  try {
    const body = JSON.parse(text) as unknown;
    if (isRecord(body)) return body;
  } catch {
    // reported below
  }
  throw new BadRequest("request body must be a JSON object");
}

/**
 * Neon's HTTP SQL API on POST /sql: `{query, params}` or `{queries: [...]}` (one transaction),
 * the database chosen by the path of Neon-Connection-String. Authorization is accepted and ignored.
 * POST /sql/hang never answers, for tests of a Postgres that hangs.
 */
export function neonApp(backend: PostgresBackend): Hono {
  const app = new Hono();
  app.post("/sql", async (c) => {
    const header: Header = (name) => c.req.header(name);
    try {
      const rawText = booleanHeader(header, "neon-raw-text-output") ?? false;
      const arrayMode = booleanHeader(header, "neon-array-mode") ?? false;
      const body = parseBody(await c.req.text());
      const database = await backend.database(databaseName(header));
      if ("queries" in body) {
        if (!Array.isArray(body.queries)) throw new BadRequest("queries must be an array");
        const results = await database.batch(body.queries.map(toStatement), batchOptions(header));
        return c.json({ results: results.map((result) => renderResult(result, rawText, arrayMode)) });
      }
      return c.json(renderResult(await database.query(toStatement(body)), rawText, arrayMode));
    } catch (error) {
      return errorResponse(c, error);
    }
  });
  // Test-only: a Postgres that never answers. Holds the request until the client gives up
  // (the worker's fetch timeout), or a minute at most so nothing lingers.
  app.post("/sql/hang", async (c) => {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, HANG_MAX_MS);
      c.req.raw.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return c.json({ message: "the hanging endpoint gave up" }, 504);
  });
  app.all("/sql", (c) => c.json({ message: "use POST /sql" }, 405));
  return app;
}
