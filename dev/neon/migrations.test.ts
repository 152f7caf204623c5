import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { neon, neonConfig } from "@neondatabase/serverless";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../stack";

const work = mkdtempSync(join(tmpdir(), "backline-migrations-test-"));
const dbUrl = (name: string) => `postgres://backline:backline@db.localtest:5432/${name}`;

/** A drizzle-kit style folder: journal + two migrations with statement breakpoints, and a seed. */
function writeFixture(): void {
  const folder = join(work, "migrations");
  mkdirSync(join(folder, "meta"), { recursive: true });
  const entries = [
    { idx: 0, version: "7", when: 1_760_000_000_000, tag: "0000_plans", breakpoints: true },
    { idx: 1, version: "7", when: 1_760_000_100_000, tag: "0001_plan_names", breakpoints: true },
  ];
  writeFileSync(
    join(folder, "meta", "_journal.json"),
    JSON.stringify({ version: "7", dialect: "postgresql", entries }),
  );
  writeFileSync(
    join(folder, "0000_plans.sql"),
    'CREATE TABLE "plans" ("id" text PRIMARY KEY NOT NULL, "price" integer NOT NULL);',
  );
  writeFileSync(
    join(folder, "0001_plan_names.sql"),
    'ALTER TABLE "plans" ADD COLUMN "name" text;\n--> statement-breakpoint\nCREATE INDEX "plans_price_idx" ON "plans" ("price");',
  );
  writeFileSync(
    join(work, "seed.sql"),
    "INSERT INTO plans (id, price, name) VALUES ('free', 0, 'Free'), ('pro', 900, 'Pro') ON CONFLICT (id) DO NOTHING;",
  );
  process.env.BACKLINE_MIGRATIONS_DIR = folder;
  process.env.BACKLINE_SEED_FILE = join(work, "seed.sql");
}

async function plans(stack: Stack, database: string) {
  neonConfig.fetchEndpoint = stack.neonEndpoint;
  const sql = neon(dbUrl(database));
  const rows = await sql.query("select id, price, name from plans order by price");
  const [{ n }] = (await sql.query("select count(*)::int as n from drizzle.__drizzle_migrations")) as [
    { n: number },
  ];
  return { rows, migrations: n };
}

beforeAll(() => {
  writeFixture();
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe("migrations and seed", () => {
  it("gives the default and every lazily created database the migrated, seeded schema", async () => {
    // A shared DATABASE_URL server must not get this fixture's tables: use PGlite there.
    const stack = await startStack({
      quiet: true,
      postgres: process.env.DATABASE_URL ? "pglite" : undefined,
    });
    try {
      const seeded = [
        { id: "free", price: 0, name: "Free" },
        { id: "pro", price: 900, name: "Pro" },
      ];
      expect(await plans(stack, "backline")).toEqual({ rows: seeded, migrations: 2 });
      expect(await plans(stack, "migrations_copy")).toEqual({ rows: seeded, migrations: 2 });
    } finally {
      await stack.stop();
    }
  });

  it("keeps data in a persisted PGlite dir and re-applies migrations and seed idempotently", async () => {
    const options = {
      quiet: true,
      postgres: "pglite",
      redis: "embedded",
      pgliteDir: join(work, "pglite"),
    } as const;
    const first = await startStack(options);
    try {
      neonConfig.fetchEndpoint = first.neonEndpoint;
      await neon(dbUrl("backline")).query("insert into plans values ('team', 5000, 'Team')");
    } finally {
      await first.stop();
    }
    const second = await startStack(options);
    try {
      expect(await plans(second, "backline")).toEqual({
        rows: [
          { id: "free", price: 0, name: "Free" },
          { id: "pro", price: 900, name: "Pro" },
          { id: "team", price: 5000, name: "Team" },
        ],
        migrations: 2,
      });
    } finally {
      await second.stop();
    }
  });
});
