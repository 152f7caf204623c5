/**
 * How zod issues become the `errors: [{path, message}]` of a 400 validation problem: the
 * worker's route validation (shared/app.ts `fromZodError`) and the browser SDK's local checks
 * both answer with it.
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

/**
 * A sync change refused by validation: its field errors, mapped as `fieldErrors` maps them
 * (under `pattern` for the pattern's own fields), and a short plain-words `reason`.
 */
export function rejectedChange(issues: readonly z.core.$ZodIssue[], where?: "pattern") {
  return {
    reason: where ? "the pattern is not valid" : "the change is not valid",
    errors: fieldErrors(issues, where),
  };
}
