/**
 * drizzle-orm's table of every Postgres column builder, for the worker bundle (wrangler.toml
 * `[alias]` sends pg-core/table.js's `./columns/all.js` import here; 2 KB of the gzipped
 * bundle: PostGIS, pgvector, geometric, network and other column kinds our tables never use).
 * `pgTable` reads it only for the callback form, `pgTable(name, (t) => ({ … }))`; our tables
 * pass their columns as an object, which dev/bundle/bundle.test.ts checks. Tests, tsc, Node
 * and drizzle-kit use drizzle-orm itself.
 */
export function getPgColumnBuilders(): never {
  throw new Error(
    "pgTable(name, (t) => …) is not in the worker bundle: pass the columns as an object (shared/vendor/pg-column-builders.ts).",
  );
}
