import type { NeonHttpDatabase } from "drizzle-orm/neon-http";
import type * as schema from "./schema";

export type Schema = typeof schema;
/** Drizzle over Neon's HTTP driver, typed with the whole schema. */
export type Database = NeonHttpDatabase<Schema>;
