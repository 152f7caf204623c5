import type { NeonHttpDatabase } from "drizzle-orm/neon-http";

/**
 * Drizzle over Neon's HTTP driver, without the relational schema: queries use the query
 * builder (db/queries), so `db.query` does not exist, at run time or in types.
 */
export type Database = NeonHttpDatabase;
