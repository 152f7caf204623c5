import { existsSync } from "node:fs";
import { Client, neon, neonConfig, Pool } from "@neondatabase/serverless";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/neon-serverless";
import { pgTable, serial, text } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasMigrations } from "./migrations";
import { childrenOf, guardedDirs, isAlive, waitFor } from "./process-probe";
import { type Stack, startStack } from "./stack";

let stack: Stack;
const pools: Pool[] = [];

/** A connection string for one of this file's databases (only the name matters locally). */
const dbUrl = (name: string, query = "") => `postgres://backline:backline@db.localtest:5432/${name}${query}`;
const wsProxyFor =
  (target: Stack, query = "") =>
  (host: string, port: number | string) =>
    `${target.wsProxyUrl}?address=${host}:${port}${query}`;

function newPool(connectionString: string): Pool {
  const pool = new Pool({ connectionString, max: 3 });
  pool.on("error", () => {});
  pools.push(pool);
  return pool;
}

/** Settles within `ms`, or reports that the promise is still pending. */
async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<{ settled: boolean; value?: T }> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<{ settled: false }>((resolve) => {
    timer = setTimeout(() => resolve({ settled: false }), ms);
  });
  try {
    return await Promise.race([promise.then((value) => ({ settled: true, value })), pending]);
  } finally {
    clearTimeout(timer);
  }
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const result = await settleWithin(promise, ms);
  if (!result.settled) throw new Error(`${what} did not finish within ${ms} ms`);
  return result.value as T;
}

async function neonCount(trace: string): Promise<number> {
  const counts = (await (await fetch(`${stack.url}/_stats/${trace}`)).json()) as { neon: number };
  return counts.neon;
}

beforeAll(async () => {
  stack = await startStack({ quiet: true });
  neonConfig.fetchEndpoint = stack.neonEndpoint;
  neonConfig.wsProxy = wsProxyFor(stack);
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  neonConfig.pipelineConnect = false;
});

afterAll(async () => {
  await Promise.allSettled(pools.map((pool) => pool.end()));
  await stack?.stop();
});

const notes = pgTable("ws_notes", { id: serial("id").primaryKey(), body: text("body").notNull() });

describe("Neon WebSocket proxy through Pool / Client", () => {
  it("exposes the proxy as host:port/v2 (the driver adds ws://) and answers plain GETs with 426", async () => {
    expect(stack.wsProxyUrl).toBe(`${stack.url.replace("http://", "")}/v2`);
    expect((await fetch(`${stack.url}/v2?address=db.localtest:5432`)).status).toBe(426);
  });

  it("commits an interactive transaction: BEGIN, SELECT … FOR UPDATE, UPDATE, COMMIT", async () => {
    const pool = newPool(dbUrl("ws_commit"));
    await pool.query("create table accounts (id int primary key, balance int not null)");
    await pool.query("insert into accounts values (1, 100), (2, 0)");
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      const locked = await client.query("select balance from accounts where id = $1 for update", [1]);
      expect(locked.rows).toEqual([{ balance: 100 }]);
      await client.query("update accounts set balance = balance - $1 where id = 1", [30]);
      await client.query("update accounts set balance = balance + $1 where id = 2", [30]);
      expect((await client.query("select sum(balance)::int as total from accounts")).rows).toEqual([
        { total: 100 },
      ]);
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    const http = neon(dbUrl("ws_commit"));
    expect(await http.query("select id, balance from accounts order by id")).toEqual([
      { id: 1, balance: 70 },
      { id: 2, balance: 30 },
    ]);
  });

  it("drizzle neon-serverless: db.transaction commits, and rolls back when its callback throws", async () => {
    const pool = newPool(dbUrl("ws_drizzle"));
    await pool.query("create table ws_notes (id serial primary key, body text not null)");
    const db = drizzle({ client: pool });
    const keptId = await db.transaction(async (tx) => {
      const [row] = await tx.insert(notes).values({ body: "kept" }).returning();
      if (!row) throw new Error("insert returned nothing");
      await tx.update(notes).set({ body: "kept!" }).where(eq(notes.id, row.id));
      return row.id;
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(notes).values({ body: "lost" });
        expect(await tx.select().from(notes)).toHaveLength(2);
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await db.select().from(notes)).toEqual([{ id: keptId, body: "kept!" }]);
    expect(await neon(dbUrl("ws_drizzle")).query("select body from ws_notes")).toEqual([{ body: "kept!" }]);
  });

  it("hides uncommitted rows from HTTP /sql: it sees them only after COMMIT (PGlite: waits for it)", async () => {
    const pool = newPool(dbUrl("ws_visibility"));
    await pool.query("create table items (id int primary key)");
    const http = neon(dbUrl("ws_visibility"));
    const client = await pool.connect();
    let during: Promise<Record<string, unknown>[]>;
    let early: { settled: boolean; value?: Record<string, unknown>[] };
    try {
      await client.query("BEGIN");
      await client.query("insert into items values ($1)", [1]);
      // neon()'s query is a lazy thenable that runs again on every then(): run it exactly once.
      during = Promise.resolve(http.query("select count(*)::int as n from items"));
      during.catch(() => {});
      early = await settleWithin(during, 500);
      if (stack.postgres.kind === "pglite") expect(early.settled).toBe(false);
      else expect(early).toEqual({ settled: true, value: [{ n: 0 }] });
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    expect(await within(during, 5_000, "the HTTP read")).toEqual([{ n: early.settled ? 0 : 1 }]);
    expect(await http.query("select count(*)::int as n from items")).toEqual([{ n: 1 }]);
  });

  it("keeps an HTTP write made during an open transaction out of that transaction's ROLLBACK", async () => {
    const pool = newPool(dbUrl("ws_rollback"));
    await pool.query("create table items (id int primary key)");
    const http = neon(dbUrl("ws_rollback"));
    const client = await pool.connect();
    let write: Promise<unknown>;
    try {
      await client.query("BEGIN");
      await client.query("insert into items values (1)");
      write = Promise.resolve(http.query("insert into items values (2)"));
      write.catch(() => {});
      const early = await settleWithin(write, 300);
      expect(early.settled).toBe(stack.postgres.kind !== "pglite");
      await client.query("ROLLBACK");
    } finally {
      client.release();
    }
    await within(write, 5_000, "the HTTP write");
    expect(await http.query("select id from items order by id")).toEqual([{ id: 2 }]);
    expect((await pool.query("select id from items order by id")).rows).toEqual([{ id: 2 }]);
  });

  it("keeps per-test databases apart and creates them from the template on first WebSocket use", async () => {
    const a = newPool(dbUrl("ws_iso_a"));
    const b = newPool(dbUrl("ws_iso_b"));
    await a.query("create table only_in_a (v text)");
    await a.query("insert into only_in_a values ('a')");
    await expect(b.query("select v from only_in_a")).rejects.toMatchObject({ code: "42P01" });
    expect(await neon(dbUrl("ws_iso_a")).query("select v from only_in_a")).toEqual([{ v: "a" }]);
    await expect(neon(dbUrl("ws_iso_b")).query("select v from only_in_a")).rejects.toMatchObject({
      code: "42P01",
    });
    if (hasMigrations()) {
      const { rows } = await b.query("select count(*)::int as n from drizzle.__drizzle_migrations");
      expect(rows[0]?.n).toBeGreaterThan(0);
    }
    await expect(newPool(dbUrl("Not-A-Name")).query("select 1")).rejects.toMatchObject({ code: "3D000" });
  });

  it("counts each WebSocket connection (not each query) as one neon round trip under its trace key", async () => {
    const pool = newPool(dbUrl("ws_counts", "?application_name=ws-trace-app"));
    const first = await pool.connect();
    await first.query("BEGIN");
    await first.query("select 1");
    await first.query("COMMIT");
    first.release();
    await pool.query("select 2"); // reuses the idle connection
    expect(await neonCount("ws-trace-app")).toBe(1);
    const again = await pool.connect();
    const second = await pool.connect(); // a second connection: a second WebSocket
    await second.query("select 3");
    again.release();
    second.release();
    expect(await neonCount("ws-trace-app")).toBe(2);

    const client = new Client(dbUrl("ws_counts"));
    client.neonConfig.wsProxy = wsProxyFor(stack, "&backline_trace=ws-trace-url");
    await client.connect();
    await client.query("select 1");
    await client.query("select 2");
    // The driver's end() waits for the server to close after Terminate (pglite-socket never does).
    await within(client.end(), 5_000, "client.end()");
    expect(await neonCount("ws-trace-url")).toBe(1);
  });

  it("also works with the driver's default pipelineConnect (its early password message is dropped)", async () => {
    const client = new Client(dbUrl("ws_pipelined"));
    client.neonConfig.pipelineConnect = "password";
    await client.connect();
    try {
      await client.query("BEGIN");
      expect((await client.query("select $1::int + 1 as n", [1])).rows).toEqual([{ n: 2 }]);
      await client.query("COMMIT");
    } finally {
      await within(client.end(), 5_000, "client.end()");
    }
  });
});

describe("stop()", () => {
  it("closes open WebSockets (even inside a transaction) and leaves no processes behind", async () => {
    const before = new Set(childrenOf(process.pid));
    const own = await startStack({ quiet: true });
    const spawned = childrenOf(process.pid).filter((pid) => !before.has(pid));
    const dirs = guardedDirs(spawned);
    const client = new Client(dbUrl("ws_stop"));
    client.neonConfig.wsProxy = wsProxyFor(own);
    client.on("error", () => {});
    const ended = new Promise<void>((resolve) => client.once("end", () => resolve()));
    await client.connect();
    await client.query("BEGIN");
    await client.query("create table t (x int)");
    await within(own.stop(), 10_000, "stop()");
    await within(ended, 5_000, "the client's end event");
    await expect(client.query("select 1")).rejects.toThrow();
    expect(await waitFor(() => spawned.every((pid) => !isAlive(pid)), 5_000)).toBe(true);
    expect(dirs.every((dir) => !existsSync(dir))).toBe(true);
    const late = new Client(dbUrl("ws_stop"));
    late.neonConfig.wsProxy = wsProxyFor(own);
    late.on("error", () => {});
    await expect(within(late.connect(), 5_000, "a connect after stop()")).rejects.toThrow();
  });
});
