import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { PGlite } from "@electric-sql/pglite";
import type { Pool } from "pg";

/** Repository root (two levels above dev/neon/), independent of the current directory. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** drizzle-kit output folder (BACKLINE_MIGRATIONS_DIR overrides it, for tests of the stack itself). */
export function migrationsFolder(): string {
  return process.env.BACKLINE_MIGRATIONS_DIR ?? join(REPO_ROOT, "db", "migrations");
}

/** Optional idempotent SQL run after the migrations (BACKLINE_SEED_FILE overrides it). */
export function seedFile(): string {
  return process.env.BACKLINE_SEED_FILE ?? join(REPO_ROOT, "db", "seed.sql");
}

/** True when drizzle-kit has generated at least a journal. */
export function hasMigrations(): boolean {
  return existsSync(join(migrationsFolder(), "meta", "_journal.json"));
}

function readSeed(): string | undefined {
  const file = seedFile();
  return existsSync(file) ? readFileSync(file, "utf8") : undefined;
}

/** Applies the drizzle migrations, then db/seed.sql, to a PGlite database. */
export async function migratePglite(client: PGlite): Promise<void> {
  if (hasMigrations()) {
    const { drizzle } = await import("drizzle-orm/pglite");
    const { migrate } = await import("drizzle-orm/pglite/migrator");
    await migrate(drizzle({ client }), { migrationsFolder: migrationsFolder() });
  }
  const seed = readSeed();
  if (seed) await client.exec(seed);
}

/** Applies the drizzle migrations, then db/seed.sql, through a node-postgres pool. */
export async function migratePg(pool: Pool): Promise<void> {
  if (hasMigrations()) {
    const { drizzle } = await import("drizzle-orm/node-postgres");
    const { migrate } = await import("drizzle-orm/node-postgres/migrator");
    await migrate(drizzle({ client: pool }), { migrationsFolder: migrationsFolder() });
  }
  const seed = readSeed();
  if (seed) await pool.query(seed);
}
