import { type AnyColumn, desc, type SQL, sql } from "drizzle-orm";

/** A keyset position in a list ordered by (time, id): opaque to clients. */
export interface Cursor {
  at: string;
  id: string;
}

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
