import { type AnyColumn, desc, type SQL, sql } from "drizzle-orm";
import type { Cursor } from "../../shared/cursor";

/**
 * Newest-first keyset paging over (time, id). Cursors carry milliseconds and Postgres keeps
 * microseconds, so both the order and the comparison are at millisecond precision; otherwise
 * rows sharing a cursor's millisecond would be skipped.
 */
export function newestFirst(
  at: AnyColumn,
  id: AnyColumn,
  cursor: Cursor | undefined,
  idType: "text" | "uuid" = "text",
) {
  const atMs = sql`date_trunc('milliseconds', ${at})`;
  const after: SQL | undefined = cursor
    ? sql`(${atMs}, ${id}) < (${cursor.at}::timestamptz, cast(${cursor.id} as ${sql.raw(idType)}))`
    : undefined;
  return { after, orderBy: [desc(atMs), desc(id)] };
}
