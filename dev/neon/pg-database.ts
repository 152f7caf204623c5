import { type FieldDef, Pool, type PoolClient, type PoolConfig, type QueryArrayConfig } from "pg";
import {
  type BatchOptions,
  PostgresError,
  type SqlDatabase,
  type SqlResult,
  type SqlStatement,
  transactionCharacteristics,
} from "./backend";

/** node-postgres query config plus the (untyped) switch that forces the extended protocol, as Neon uses. */
type ExtendedQueryConfig = QueryArrayConfig<(string | null)[]> & { queryMode: "extended" };

const textTypes = { getTypeParser: () => (value: string) => value };

/** A node-postgres pool that hands every value back as Postgres text (and ignores pool errors). */
export function textPool(config: PoolConfig): Pool {
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
export class PgDatabase implements SqlDatabase {
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
