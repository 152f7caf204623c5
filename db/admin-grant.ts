/**
 * `npm run admin:grant -- <email>`: makes an existing account an admin. Against Neon, set
 * DATABASE_URL; locally it reads .dev.vars and talks to the running `npm run dev` stack.
 * The new role is in the user's access token from their next refresh.
 */
import { existsSync, readFileSync } from "node:fs";
import { neon, neonConfig } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-http";
import { grantAdmin } from "./queries/admin";

const email = process.argv[2];
if (!email) {
  console.error("Usage: npm run admin:grant -- <email>");
  process.exit(2);
}

function devVar(name: string): string | undefined {
  const file = new URL("../.dev.vars", import.meta.url);
  if (!existsSync(file)) return undefined;
  return new RegExp(`^${name}=(.*)$`, "m").exec(readFileSync(file, "utf8"))?.[1]?.trim();
}

const databaseUrl = process.env.DATABASE_URL ?? devVar("DATABASE_URL");
if (!databaseUrl) {
  console.error("Set DATABASE_URL (Neon), or run `npm run dev` once so .dev.vars exists.");
  process.exit(2);
}
const local = !process.env.DATABASE_URL;
const endpoint =
  process.env.NEON_HTTP_ENDPOINT ??
  (local ? `http://127.0.0.1:${process.env.STACK_PORT ?? 8790}/sql` : undefined);
if (endpoint) neonConfig.fetchEndpoint = endpoint;

const id = await grantAdmin(drizzle({ client: neon(databaseUrl), casing: "snake_case" }), email);
if (!id) {
  console.error(`No account with the email ${email}. Sign up first.`);
  process.exit(1);
}
console.log(`${email} (${id}) is now an admin. The role applies from the user's next token refresh.`);
