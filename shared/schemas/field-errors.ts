/**
 * How zod issues become the `errors: [{path, message}]` of a 400 validation problem. The
 * browser SDK answers its local checks with it; shared/app.ts `fromZodError` maps the same
 * way (client/test/validation.test.ts holds them equal until it calls this instead).
 */
import type { z } from "zod";

/**
 * The issues of a failed parse as the API lists them: the path joined with dots under
 * `where` (`param`, `query`; absent for a body), `(root)` for the value itself, and each
 * unrecognized key as a field error of its own.
 */
export function fieldErrors(
  issues: readonly z.core.$ZodIssue[],
  where?: string,
): { path: string; message: string }[] {
  const at = (path: PropertyKey[]) => [where, ...path.map(String)].filter(Boolean).join(".") || "(root)";
  return issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({
          path: at([...issue.path, key]),
          message: "is not a field you can send here",
        }))
      : [{ path: at(issue.path), message: issue.message }],
  );
}
