import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migratedTemplate } from "./pglite-template";

const work = mkdtempSync(join(tmpdir(), "backline-pglite-template-test-"));
const cache = join(work, "cache");
const seed = join(work, "seed.sql");
const saved = {
  migrations: process.env.BACKLINE_MIGRATIONS_DIR,
  seed: process.env.BACKLINE_SEED_FILE,
  cache: process.env.BACKLINE_PGLITE_CACHE_DIR,
};

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

/** One drizzle-kit style migration making `notes`, and a seed of one note. */
beforeAll(() => {
  const folder = join(work, "migrations");
  mkdirSync(join(folder, "meta"), { recursive: true });
  writeFileSync(
    join(folder, "meta", "_journal.json"),
    JSON.stringify({
      version: "7",
      dialect: "postgresql",
      entries: [{ idx: 0, version: "7", when: 1_760_000_000_000, tag: "0000_notes", breakpoints: true }],
    }),
  );
  writeFileSync(join(folder, "0000_notes.sql"), 'CREATE TABLE "notes" ("body" text NOT NULL);');
  writeFileSync(seed, "INSERT INTO notes VALUES ('first');");
  process.env.BACKLINE_MIGRATIONS_DIR = folder;
  process.env.BACKLINE_SEED_FILE = seed;
  process.env.BACKLINE_PGLITE_CACHE_DIR = cache;
});

afterAll(() => {
  restore("BACKLINE_MIGRATIONS_DIR", saved.migrations);
  restore("BACKLINE_SEED_FILE", saved.seed);
  restore("BACKLINE_PGLITE_CACHE_DIR", saved.cache);
  rmSync(work, { recursive: true, force: true });
});

/** The notes of a database made from the template's dump. */
async function notes(dump: ArrayBuffer): Promise<string[]> {
  const db = await PGlite.create({ loadDataDir: new Blob([dump]) });
  try {
    return (await db.query<{ body: string }>("select body from notes order by body")).rows.map((r) => r.body);
  } finally {
    await db.close();
  }
}

const dumps = () => readdirSync(cache).filter((name) => name.endsWith(".tar"));

describe("the PGlite template cache", () => {
  it("makes the migrated, seeded template once, reads it back, makes a new one when the seed changes, and keeps three", async () => {
    const first = await migratedTemplate();
    expect(first.version).toMatch(/^PostgreSQL \d+/);
    expect(await notes(first.dump)).toEqual(["first"]);
    expect(dumps()).toHaveLength(1);
    const [file] = dumps() as [string];
    const written = statSync(join(cache, file)).mtimeMs;

    const again = await migratedTemplate();
    expect(Buffer.from(again.dump).equals(Buffer.from(first.dump))).toBe(true);
    expect(again.version).toBe(first.version);
    expect(statSync(join(cache, file)).mtimeMs).toBe(written);

    // Two older templates of other inputs: the older of them goes when the next one is written.
    const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000);
    for (const [name, hours] of [
      ["older", 2],
      ["oldest", 3],
    ] as const) {
      for (const suffix of [".tar", ".version"]) {
        writeFileSync(join(cache, `pglite-template-${name}${suffix}`), "");
        utimesSync(join(cache, `pglite-template-${name}${suffix}`), hoursAgo(hours), hoursAgo(hours));
      }
    }

    writeFileSync(seed, "INSERT INTO notes VALUES ('first'), ('second');");
    const changed = await migratedTemplate();
    expect(await notes(changed.dump)).toEqual(["first", "second"]);
    expect(dumps()).toHaveLength(3);
    expect(dumps()).toContain(file);
    expect(dumps()).toContain("pglite-template-older.tar");
    expect(readdirSync(cache).filter((name) => name.includes("oldest"))).toEqual([]);
  });
});
