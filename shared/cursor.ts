import type { Cursor } from "../db/queries/keyset";
import { toBase64Url } from "./base64url";

/** The opaque `nextCursor` text of a keyset position. */
export function encodeCursor(cursor: Cursor): string {
  return toBase64Url(new TextEncoder().encode(JSON.stringify(cursor)));
}

/** Splits one extra fetched row off into `nextCursor`. */
export function page<T>(rows: T[], limit: number, cursorOf: (row: T) => Cursor) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(cursorOf(last)) : null };
}
