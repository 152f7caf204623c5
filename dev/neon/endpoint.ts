import type { ServerResponse } from "node:http";
import { TRACE_PARAM } from "../counters";
import { type DevRequest, errorMessage, headerValue, isRecord, parseJson, sendJson } from "../http-util";
import {
  type BatchOptions,
  DatabaseNameError,
  type PostgresBackend,
  PostgresError,
  type SqlResult,
  type SqlStatement,
} from "./backend";

/** A client mistake reported as HTTP 400 without a SQLSTATE. */
class BadRequest extends Error {}

const ISOLATION_LEVELS: Record<string, NonNullable<BatchOptions["isolationLevel"]>> = {
  ReadUncommitted: "READ UNCOMMITTED",
  ReadCommitted: "READ COMMITTED",
  RepeatableRead: "REPEATABLE READ",
  Serializable: "SERIALIZABLE",
};

function booleanHeader(req: DevRequest, name: string): boolean | undefined {
  const value = headerValue(req.headers, name)?.toLowerCase();
  if (value === undefined) return undefined;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new BadRequest(`invalid ${name} header: expected true or false`);
}

/** The database named by the path of the Neon-Connection-String header. */
function databaseName(req: DevRequest): string {
  const connectionString = headerValue(req.headers, "neon-connection-string");
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

function batchOptions(req: DevRequest): BatchOptions {
  const level = headerValue(req.headers, "neon-batch-isolation-level");
  const isolationLevel = level === undefined ? undefined : ISOLATION_LEVELS[level];
  if (level !== undefined && !isolationLevel)
    throw new BadRequest(`invalid Neon-Batch-Isolation-Level "${level}"`);
  return {
    isolationLevel,
    readOnly: booleanHeader(req, "neon-batch-read-only"),
    deferrable: booleanHeader(req, "neon-batch-deferrable"),
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

function sendError(res: ServerResponse, error: unknown): void {
  if (error instanceof PostgresError) {
    sendJson(res, 400, { message: error.message, ...error.fields });
  } else if (error instanceof DatabaseNameError) {
    sendJson(res, 400, { message: error.message, code: "3D000" });
  } else if (error instanceof BadRequest) {
    sendJson(res, 400, { message: error.message });
  } else {
    sendJson(res, 500, { message: errorMessage(error) });
  }
}

/**
 * Neon's HTTP SQL API on POST /sql: `{query, params}` or `{queries: [...]}` (one transaction),
 * the database chosen by the path of Neon-Connection-String. Authorization is accepted and ignored.
 */
export function createNeonHandler(backend: PostgresBackend) {
  return async function handleNeon(req: DevRequest, res: ServerResponse): Promise<boolean> {
    if (req.url.pathname !== "/sql") return false;
    if (req.method !== "POST") {
      sendJson(res, 405, { message: "use POST /sql" });
      return true;
    }
    try {
      const rawText = booleanHeader(req, "neon-raw-text-output") ?? false;
      const arrayMode = booleanHeader(req, "neon-array-mode") ?? false;
      const body = parseJson(req.body);
      if (!isRecord(body)) throw new BadRequest("request body must be a JSON object");
      const database = await backend.database(databaseName(req));
      if ("queries" in body) {
        if (!Array.isArray(body.queries)) throw new BadRequest("queries must be an array");
        const statements = body.queries.map(toStatement);
        const results = await database.batch(statements, batchOptions(req));
        sendJson(res, 200, { results: results.map((result) => renderResult(result, rawText, arrayMode)) });
      } else {
        const result = await database.query(toStatement(body));
        sendJson(res, 200, renderResult(result, rawText, arrayMode));
      }
    } catch (error) {
      sendError(res, error);
    }
    return true;
  };
}
