import {
  type HTTPQueryOptions,
  type HTTPTransactionOptions,
  type NeonQueryFunction,
  NeonQueryPromise,
  type ParameterizedQuery,
} from "@neondatabase/serverless";
import type { NeonHttpDatabase } from "drizzle-orm/neon-http";

/**
 * Drizzle over Neon's HTTP driver, without the relational schema: queries use the query
 * builder (db/queries), so `db.query` does not exist, at run time or in types.
 */
export type Database = NeonHttpDatabase;

/** The Neon HTTP driver's query function, as drizzle takes it. */
export type Client = NeonQueryFunction<false, false>;
type QueryOptions = HTTPQueryOptions<false, false>;

/**
 * A Neon client whose every statement (or batch, as `db.batch` sends it) travels in one
 * transaction behind `assertion`, until one such transaction has committed: a failed
 * assertion rolls the statement back, so it never commits, and the caller still makes one
 * round trip per statement. Drizzle only calls a client's `query` and `transaction`.
 */
export function assertingClient(inner: Client, assertion: ParameterizedQuery): Client {
  let proven = false;

  async function transaction(
    queries: NeonQueryPromise<false, false>[],
    opts?: HTTPTransactionOptions<false, false>,
  ) {
    if (proven) return inner.transaction(queries, opts);
    const [, ...results] = await inner.transaction(
      [inner.query(assertion.query, assertion.params), ...queries],
      opts,
    );
    proven = true;
    return results;
  }

  function query(text: string, params?: unknown[], opts?: QueryOptions) {
    if (proven) return inner.query(text, params, opts);
    // Lazy like the driver's own promise, and still one that `transaction` accepts in a batch.
    return new NeonQueryPromise(
      async (_data, queryOpts) => {
        const [result] = await transaction([inner.query(text, params, queryOpts as QueryOptions)]);
        return result;
      },
      { query: text, params: params ?? [] },
      opts,
    );
  }

  const client = () => {
    throw new Error("a session-asserting client takes query() and transaction() only");
  };
  return Object.assign(client, { query, transaction, unsafe: inner.unsafe }) as unknown as Client;
}
