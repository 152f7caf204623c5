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

/** Issues in one line, as a sync result's `reason` quotes them: `path: message; …`, paths under `prefix`. */
export function issuesText(issues: readonly z.core.$ZodIssue[], prefix = ""): string {
  return issues.map((issue) => `${prefix}${issue.path.join(".")}: ${issue.message}`).join("; ");
}
