/**
 * `npm run db:migrate`: applies the committed migrations in db/migrations to the
 * database in DATABASE_URL (Neon in production) over Neon's HTTP driver.
 */
import { neon } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-http";
import { migrate } from "drizzle-orm/neon-http/migrator";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error(
    "Set DATABASE_URL to the Neon connection string, e.g. DATABASE_URL=postgres://… npm run db:migrate",
  );
  process.exit(1);
}
await migrate(drizzle({ client: neon(url) }), {
  migrationsFolder: new URL("./migrations", import.meta.url).pathname,
});
console.log("migrations applied");
