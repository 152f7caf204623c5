import { defineConfig } from "drizzle-kit";

// `npm run db:generate` writes SQL migrations from the schema into db/migrations (committed).
// They are applied by the dev stack on start and by `npm run db:migrate` against Neon.
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema/index.ts",
  out: "./db/migrations",
  casing: "snake_case",
});
