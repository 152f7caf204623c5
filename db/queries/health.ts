import { sql } from "drizzle-orm";
import type { Database } from "../database";

/** The cheapest query that proves Postgres answers. */
export async function pingDatabase(db: Database): Promise<void> {
  await db.execute(sql`select 1`);
}
