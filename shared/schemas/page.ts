import * as z from "zod";
import { fromBase64Url } from "../base64url";

/**
 * Query parameters every list accepts: `limit` (1–100, default 50) and an opaque `cursor`
 * whose id must have the list's id type (a well-formed cursor of another list is a 400,
 * never a failed cast in SQL).
 */
export function pageQuery(id: z.ZodType<string> = z.string().min(1).max(64)) {
  const CursorShape = z.object({ at: z.iso.datetime({ offset: true }), id });
  return z.object({
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
      .meta({ type: "string", description: "The `nextCursor` of the previous page." }),
  });
}

/** The page query of lists keyed by text ids (invoices, webhook events). */
export const PageQuery = pageQuery();
