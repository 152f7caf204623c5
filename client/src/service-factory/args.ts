/**
 * Argument checks at the interface's edge: the site's JavaScript has no compiler to stop
 * `signIn(123, 456)`, so a wrong type is refused at once with a TypeError naming the method,
 * the argument and what it got, before anything is sent or stored.
 */

type Kind = "string" | "number" | "boolean" | "object" | "function";

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value) ?? ""}`.trim();
}

function matches(value: unknown, kind: Kind): boolean {
  if (kind === "object") return typeof value === "object" && value !== null && !Array.isArray(value);
  if (kind === "number") return typeof value === "number" && Number.isFinite(value);
  return typeof value === kind;
}

/** Refuses `value` unless it is of `kind`: `method` is e.g. "authService.signIn", `name` the parameter. */
export function expectArg(method: string, name: string, value: unknown, kind: Kind): void {
  if (!matches(value, kind))
    throw new TypeError(
      `${method}: ${name} must be a${kind === "object" ? "n" : ""} ${kind}, got ${describe(value)}`,
    );
}

/** Like expectArg, but undefined passes. */
export function expectOptionalArg(method: string, name: string, value: unknown, kind: Kind): void {
  if (value !== undefined) expectArg(method, name, value, kind);
}
