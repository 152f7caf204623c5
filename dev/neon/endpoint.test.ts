import { readFileSync } from "node:fs";
import { join } from "node:path";
import { NeonDbError, neon, neonConfig } from "@neondatabase/serverless";
import { sql as dsql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/neon-http";
import { bigint, boolean, integer, jsonb, pgTable, serial, text, timestamp } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../stack";
import { hasMigrations, migrationsFolder } from "./migrations";

let stack: Stack;

/** A connection string for one of this file's databases (only the name matters locally). */
const dbUrl = (name: string) => `postgres://backline:backline@db.localtest:5432/${name}`;

const samples = pgTable("neon_samples", {
  id: serial("id").primaryKey(),
  label: text("label").notNull(),
  count: integer("count").notNull(),
  big: bigint("big", { mode: "bigint" }).notNull(),
  flag: boolean("flag").notNull(),
  doc: jsonb("doc").$type<{ nested: { list: number[] }; quote: string }>().notNull(),
  at: timestamp("at", { withTimezone: true, mode: "date" }).notNull(),
  note: text("note"),
  tags: text("tags").array().notNull(),
  scores: integer("scores").array().notNull(),
});

beforeAll(async () => {
  stack = await startStack({ quiet: true });
  neonConfig.fetchEndpoint = stack.neonEndpoint;
});

afterAll(async () => {
  await stack?.stop();
});

describe("Neon HTTP endpoint through the production drivers", () => {
  it("round-trips parameters of many types through neon()", async () => {
    const sql = neon(dbUrl("neon_types"));
    const at = new Date("2026-03-04T05:06:07.891Z");
    const [row] = await sql.query(
      `select $1::text as t, $2::int as i, $3::bigint as b, $4::bool as f, $5::jsonb as j,
              $6::timestamptz as ts, $7::text as n, $8::int[] as ia, $9::text[] as ta, $10::numeric as num`,
      [
        "it's ü",
        42,
        9007199254740993n,
        true,
        JSON.stringify({ a: [1, "x"] }),
        at,
        null,
        [1, 2, 3],
        ["a", "b,c"],
        "1.50",
      ],
    );
    expect(row).toEqual({
      t: "it's ü",
      i: 42,
      b: "9007199254740993",
      f: true,
      j: { a: [1, "x"] },
      ts: at,
      n: null,
      ia: [1, 2, 3],
      ta: ["a", "b,c"],
      num: "1.50",
    });
  });

  it("inserts and selects every column type through drizzle neon-http", async () => {
    const sql = neon(dbUrl("neon_drizzle"));
    const db = drizzle({ client: sql });
    await sql.query(`create table neon_samples (
      id serial primary key, label text not null, count int not null, big bigint not null, flag bool not null,
      doc jsonb not null, at timestamptz not null, note text, tags text[] not null, scores int[] not null)`);
    const at = new Date("2025-12-31T23:59:59.123Z");
    const inserted = await db
      .insert(samples)
      .values({
        label: "first",
        count: -7,
        big: 12345678901234567n,
        flag: false,
        doc: { nested: { list: [1, 2] }, quote: 'say "hi"' },
        at,
        note: null,
        tags: ["x", "y z"],
        scores: [10, 20],
      })
      .returning();
    expect(inserted).toEqual([
      {
        id: 1,
        label: "first",
        count: -7,
        big: 12345678901234567n,
        flag: false,
        doc: { nested: { list: [1, 2] }, quote: 'say "hi"' },
        at,
        note: null,
        tags: ["x", "y z"],
        scores: [10, 20],
      },
    ]);
    const rows = await db
      .select({ label: samples.label, big: samples.big })
      .from(samples)
      .where(dsql`${samples.count} < 0`);
    expect(rows).toEqual([{ label: "first", big: 12345678901234567n }]);
  });

  it("rolls back a whole sql.transaction when its last statement violates a unique constraint", async () => {
    const sql = neon(dbUrl("neon_batch"));
    await sql.query("create table accounts (email text primary key, credits int not null)");
    await sql.query("insert into accounts values ('taken@example.com', 1)");
    const failure = await sql
      .transaction([
        sql`insert into accounts values ('new@example.com', 5)`,
        sql`update accounts set credits = credits + 1 where email = 'taken@example.com'`,
        sql`insert into accounts values ('taken@example.com', 9)`,
      ])
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(NeonDbError);
    expect(failure).toMatchObject({
      code: "23505",
      constraint: "accounts_pkey",
      table: "accounts",
      detail: "Key (email)=(taken@example.com) already exists.",
    });
    const rows = await sql.query("select email, credits from accounts order by email");
    expect(rows).toEqual([{ email: "taken@example.com", credits: 1 }]);
  });

  it("rolls back a drizzle db.batch and keeps the SQLSTATE", async () => {
    const sql = neon(dbUrl("neon_batch"));
    const db = drizzle({ client: sql });
    await sql.query("create table handles (handle text unique not null)");
    const failure = await db
      .batch([
        db.execute(dsql`insert into handles values ('a')`),
        db.execute(dsql`insert into handles values ('b')`),
        db.execute(dsql`insert into handles values ('a')`),
      ])
      .catch((error: unknown) => error);
    expect((failure as { cause?: unknown }).cause ?? failure).toMatchObject({
      code: "23505",
      constraint: "handles_handle_key",
    });
    const ok = await db.batch([
      db.execute(dsql`insert into handles values ('c') returning handle`),
      db.execute(dsql`select count(*)::int as n from handles`),
    ]);
    expect(ok[0].rows).toEqual([{ handle: "c" }]);
    expect(ok[1].rows).toEqual([{ n: 1 }]);
  });

  it("honours the batch isolation level and read-only headers", async () => {
    const sql = neon(dbUrl("neon_batch"));
    const [level, readOnly] = await sql.transaction(
      [sql`show transaction_isolation`, sql`show transaction_read_only`],
      { isolationLevel: "Serializable", readOnly: true },
    );
    expect(level).toEqual([{ transaction_isolation: "serializable" }]);
    expect(readOnly).toEqual([{ transaction_read_only: "on" }]);
    const failure = await sql
      .transaction([sql`create table nope (id int)`], { readOnly: true })
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: "NeonDbError", code: "25006" });
  });

  it("keeps databases apart and creates each one from the migrated template", async () => {
    const a = neon(dbUrl("neon_iso_a"));
    const b = neon(dbUrl("neon_iso_b"));
    for (const sql of [a, b]) await sql.query("create table notes (body text)");
    await a.query("insert into notes values ($1)", ["only in a"]);
    expect(await a.query("select body from notes")).toEqual([{ body: "only in a" }]);
    expect(await b.query("select body from notes")).toEqual([]);

    const migrations = await b.query("select to_regclass('drizzle.__drizzle_migrations')::text as name");
    if (hasMigrations()) {
      const journal = JSON.parse(readFileSync(join(migrationsFolder(), "meta", "_journal.json"), "utf8")) as {
        entries: unknown[];
      };
      expect(migrations).toEqual([{ name: "drizzle.__drizzle_migrations" }]);
      expect(await b.query("select count(*)::int as n from drizzle.__drizzle_migrations")).toEqual([
        { n: journal.entries.length },
      ]);
    } else {
      expect(migrations).toEqual([{ name: null }]);
    }
  });
});

describe("Neon HTTP protocol details", () => {
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(stack.neonEndpoint, {
      method: "POST",
      headers: {
        "Neon-Connection-String": dbUrl("neon_raw"),
        "Neon-Raw-Text-Output": "true",
        "Neon-Array-Mode": "true",
        Authorization: "Bearer ignored",
        ...headers,
      },
      body: JSON.stringify(body),
    });

  it("answers text rows, fields with dataTypeID, command and rowCount", async () => {
    const res = await post({ query: "select $1::int8 as big, null::bool as nothing", params: ["7"] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      command: "SELECT",
      rowCount: 1,
      rows: [["7", null]],
      rowAsArray: true,
      fields: [
        { name: "big", dataTypeID: 20 },
        { name: "nothing", dataTypeID: 16 },
      ],
    });
  });

  it("returns {results} for a batch and object rows when array mode is off", async () => {
    const res = await post(
      {
        queries: [
          { query: "select 1 as one", params: [] },
          { query: "select 'x' as two", params: [] },
        ],
      },
      { "Neon-Array-Mode": "false" },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { results: { rows: unknown[] }[] };
    expect(body.results.map((result) => result.rows)).toEqual([[{ one: "1" }], [{ two: "x" }]]);
  });

  it("reports Postgres errors as 400 with SQLSTATE and position", async () => {
    const res = await post({ query: "select * from missing_table", params: [] });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      message: 'relation "missing_table" does not exist',
      code: "42P01",
      position: "15",
      severity: "ERROR",
    });
  });

  it("rejects invalid database names and malformed bodies with 400", async () => {
    const badName = await post(
      { query: "select 1", params: [] },
      { "Neon-Connection-String": dbUrl("Bad-Name") },
    );
    expect(badName.status).toBe(400);
    expect(((await badName.json()) as { message: string }).message).toContain("invalid database name");
    const badBody = await post({ nothing: true });
    expect(badBody.status).toBe(400);
  });
});
