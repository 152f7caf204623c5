import {
  type HTTPQueryOptions,
  type HTTPTransactionOptions,
  type NeonQueryFunction,
  NeonQueryPromise,
  type ParameterizedQuery,
} from "@neondatabase/serverless";
import { fillPlaceholders, type Query, type QueryWithTypings, SQL } from "drizzle-orm";
import { drizzle, type NeonHttpDatabase } from "drizzle-orm/neon-http";
import { PgDialect } from "drizzle-orm/pg-core";

/**
 * Drizzle over Neon's HTTP driver, without the relational schema: queries use the query
 * builder (db/queries), so `db.query` does not exist, at run time or in types.
 */
export type Database = NeonHttpDatabase;

/** Drizzle's options for every database of this app (and the prepared statements, whose SQL they shape). */
export const drizzleOptions = { casing: "snake_case" } as const;

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

/**
 * A Neon client whose statements leave at once but whose results wait for `gate`: a read sent
 * while the request's checks are still in flight (shared/middleware/read-ahead.ts). When the
 * gate rejects, every statement rejects with its error, ahead of any error of the statement
 * itself, so the caller sees what it would have seen had it waited for the checks first.
 */
export function gatedClient(inner: Client, gate: Promise<unknown>): Client {
  function afterGate<T>(statement: PromiseLike<T>): Promise<T> {
    // Started once: the driver's promise is lazy and would run again on every `then`.
    const pending = Promise.resolve(statement);
    // Observed now so a failure while the gate is pending is not unhandled; surfaced below.
    pending.catch(() => {});
    return gate.then(() => pending);
  }

  function query(text: string, params?: unknown[], opts?: QueryOptions) {
    return new NeonQueryPromise(
      (_data, queryOpts) => afterGate(inner.query(text, params, queryOpts as QueryOptions)),
      { query: text, params: params ?? [] },
      opts,
    );
  }

  function transaction(
    queries: NeonQueryPromise<false, false>[],
    opts?: HTTPTransactionOptions<false, false>,
  ) {
    return afterGate(inner.transaction(queries, opts));
  }

  const client = () => {
    throw new Error("a gated client takes query() and transaction() only");
  };
  return Object.assign(client, { query, transaction, unsafe: inner.unsafe }) as unknown as Client;
}

/** What a prepared statement runs on: drizzle's neon-http prepared query reads only these. */
type StatementClient = { client: Client; clientQuery: Client["query"] | Client };

/**
 * A statement built once per isolate and run on the request's database: the query builder,
 * the SQL text with its `sql.placeholder` slots and the result mapping are made the first
 * time only, so a request pays for filling in its values and mapping rows. The statement is
 * built against a database that refuses to run anything, then bound to each database handle
 * it is asked for (per request locally and when a session is asserted, per isolate in
 * production): drizzle's neon-http prepared query runs on its `client`, nothing else.
 */
export function prepareOnce<S extends object>(build: (db: Database) => S): (db: Database) => S {
  let template: S | undefined;
  const bound = new WeakMap<Database, S>();
  return function statementFor(db) {
    let statement = bound.get(db);
    if (!statement) {
      template ??= build(statementTemplateDb());
      const client = (db as Database & { $client: Client }).$client;
      const own: StatementClient = { client, clientQuery: client.query ?? client };
      statement = Object.assign(Object.create(template) as S, own);
      bound.set(db, statement);
    }
    return statement;
  };
}

let templateDb: Database | undefined;

/** The database prepared statements are built on: it has no connection and refuses to run them. */
function statementTemplateDb(): Database {
  templateDb ??= drizzle({ client: unboundClient(), ...drizzleOptions });
  return templateDb;
}

function unboundClient(): Client {
  const refuse = () => {
    throw new Error("a prepared statement ran before it was bound to a database");
  };
  return Object.assign(refuse, { query: refuse, transaction: refuse }) as unknown as Client;
}

/** SQL whose text and parameters are already rendered: drizzle takes them as they are. */
class RenderedSql extends SQL {
  constructor(private readonly rendered: Query) {
    super([]);
  }

  override toQuery(): QueryWithTypings {
    return this.rendered;
  }
}

let dialect: PgDialect | undefined;

/**
 * A raw statement rendered once per isolate: `build` writes it with a `sql.placeholder` for
 * each value, and each call gives the statement with `values` filled in, as SQL that
 * `db.execute` runs (alone or in a `db.batch`) without rendering it again. Drizzle renders a
 * `sql` template, walking every nested fragment, on each `db.execute`; for a statement sent on
 * every request that walk costs more than the rest of the query function.
 */
export function renderOnce<V extends object>(build: () => SQL): (values: V) => SQL {
  let template: Query | undefined;
  return function rendered(values) {
    dialect ??= new PgDialect(drizzleOptions);
    template ??= dialect.sqlToQuery(build());
    return new RenderedSql({
      sql: template.sql,
      params: fillPlaceholders(template.params, values as Record<string, unknown>),
    });
  };
}
