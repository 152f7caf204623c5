import { z } from "@hono/zod-openapi";
import { fromBase64Url, toBase64Url } from "./crypto";

/** A keyset position in a list ordered by (time, id): opaque to clients. */
export interface Cursor {
  at: string;
  id: string;
}

const CursorShape = z.object({ at: z.iso.datetime({ offset: true }), id: z.string().min(1).max(64) });

export function encodeCursor(cursor: Cursor): string {
  return toBase64Url(new TextEncoder().encode(JSON.stringify(cursor)));
}

/** Query parameters every list accepts: `limit` (1–100, default 50) and an opaque `cursor`. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z
    .string()
    .max(512)
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      try {
        return CursorShape.parse(JSON.parse(new TextDecoder().decode(fromBase64Url(value))));
      } catch {
        ctx.addIssue({ code: "custom", message: "is not a cursor this API returned" });
        return z.NEVER;
      }
    })
    .openapi({ type: "string", description: "The `nextCursor` of the previous page." }),
});

/** Splits one extra fetched row off into `nextCursor`. */
export function page<T>(rows: T[], limit: number, cursorOf: (row: T) => Cursor) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(cursorOf(last)) : null };
}
