/**
 * Local validation with the API's own request schemas (shared/schemas, bundled into the
 * SDK): the same checks, messages and `errors` as the worker's validator, with no network.
 */
import type { z } from "zod";
import { fieldErrors } from "../../shared/schemas/field-errors";
import type { FieldError } from "./types";

export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** Parses like a route's validator: the parsed value, or the field errors (paths under `where`). */
export function parse<S extends z.ZodType>(
  schema: S,
  input: unknown,
  where?: string,
): ParseResult<z.output<S>> {
  const result = schema.safeParse(input);
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, errors: fieldErrors(result.error.issues, where) };
}

/** What the server sees of a value: JSON drops `undefined` members and functions, and turns NaN into null. */
export function asJson(input: unknown): unknown {
  return input === undefined ? undefined : (JSON.parse(JSON.stringify(input)) as unknown);
}
