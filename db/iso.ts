/**
 * A timestamp as the API writes it (ISO 8601, UTC) and as timestamptz parameters travel to
 * Postgres; null stays null. Imports nothing: db/ is the lowest layer, and the API's DTOs in
 * shared/ and functions/ use the same helper.
 */
export function iso(date: Date | null | undefined): string | null {
  return date?.toISOString() ?? null;
}
