/**
 * The embedded Postgres's migrated template (dev/neon/pglite.ts): an in-memory PGlite with the
 * migrations and the seed applied, dumped as PGlite's data-dir tarball, which every database of
 * the stack is a copy of.
 *
 * Making it costs about 6 s (PGlite's initdb 4 s, migrations and dump 1.5 s), and the tests start
 * a stack seven times per run. So the dump is kept in node_modules/.cache/backline/, under a key
 * made of everything it is made from: the migration folder's files, the seed, the code that applies
 * them, PGlite's version and today's date (the seed's `now()` stays within a day of a fresh run).
 * A clean clone makes it once.
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { migratePglite, migrationsFolder, REPO_ROOT, seedFile } from "./migrations";

export interface Template {
  /** `dumpDataDir("none")`: what `PGlite.create({ loadDataDir })` takes. */
  dump: ArrayBuffer;
  /** `select version()` up to " on ", e.g. "PostgreSQL 17.5". */
  version: string;
}

/** Where templates are kept (BACKLINE_PGLITE_CACHE_DIR overrides it, for tests of the cache itself). */
function cacheDir(): string {
  return process.env.BACKLINE_PGLITE_CACHE_DIR ?? join(REPO_ROOT, "node_modules", ".cache", "backline");
}
const PREFIX = "pglite-template-";
/** Templates kept, the one being written included. */
const KEEP = 3;

/** The migrated template: from the cache when its inputs are unchanged, else made and cached. */
export async function migratedTemplate(): Promise<Template> {
  const key = templateKey();
  const cached = readCached(key);
  if (cached) return cached;
  const template = await makeTemplate();
  writeCached(key, template);
  return template;
}

/** The PostgreSQL version a PGlite database reports, without the build details. */
export async function readVersion(db: PGlite): Promise<string> {
  const result = await db.query<{ version: string }>("select version()");
  const full = result.rows[0]?.version ?? "PostgreSQL (PGlite)";
  return full.split(" on ")[0] ?? full;
}

async function makeTemplate(): Promise<Template> {
  const db = await PGlite.create();
  try {
    await migratePglite(db);
    const version = await readVersion(db);
    const dump = await (await db.dumpDataDir("none")).arrayBuffer();
    return { dump, version };
  } finally {
    await db.close();
  }
}

function templateKey(): string {
  const hash = createHash("sha256");
  const add = (label: string, content: string | Buffer) =>
    hash.update(`${label}\0`).update(content).update("\0");
  add("date", new Date().toISOString().slice(0, 10));
  add("pglite", readFileSync(join(REPO_ROOT, "node_modules/@electric-sql/pglite/package.json")));
  add("migrate", readFileSync(fileURLToPath(new URL("./migrations.ts", import.meta.url))));
  const folder = migrationsFolder();
  if (existsSync(folder)) {
    const files = readdirSync(folder, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name))
      .sort();
    for (const file of files) add(file.slice(folder.length), readFileSync(file));
  }
  if (existsSync(seedFile())) add("seed", readFileSync(seedFile()));
  return hash.digest("hex").slice(0, 24);
}

function readCached(key: string): Template | undefined {
  const base = join(cacheDir(), `${PREFIX}${key}`);
  try {
    // The version file is renamed into place before the dump: a dump present has its version.
    const dump = readFileSync(`${base}.tar`);
    const version = readFileSync(`${base}.version`, "utf8");
    return { dump: dump.buffer.slice(dump.byteOffset, dump.byteOffset + dump.byteLength), version };
  } catch {
    return undefined;
  }
}

/**
 * Best effort: a stack that cannot write the cache still runs. Each file is written under a name
 * of its own and renamed into place, so stacks starting side by side never read half a dump.
 * The newest few templates stay (a test of the stack migrates a fixture folder of its own while
 * other stacks use the real one); older ones are removed.
 */
function writeCached(key: string, template: Template): void {
  const dir = cacheDir();
  try {
    mkdirSync(dir, { recursive: true });
    const dumps = readdirSync(dir)
      .filter((name) => name.startsWith(PREFIX) && name.endsWith(".tar"))
      .map((name) => ({ name, mtime: statSync(join(dir, name)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
    for (const { name } of dumps.slice(KEEP - 1)) {
      const stale = join(dir, name.slice(0, -".tar".length));
      rmSync(`${stale}.tar`, { force: true });
      rmSync(`${stale}.version`, { force: true });
    }
    const base = join(dir, `${PREFIX}${key}`);
    const place = (suffix: string, content: string | Uint8Array) => {
      const temporary = `${base}${suffix}.${process.pid}.${Date.now()}.tmp`;
      writeFileSync(temporary, content);
      renameSync(temporary, `${base}${suffix}`);
    };
    place(".version", template.version);
    place(".tar", new Uint8Array(template.dump));
  } catch {
    // No cache this time.
  }
}
