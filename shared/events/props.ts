/**
 * The bounds of an event's `props`: flat, a few keys, small scalar values. Imports nothing,
 * so the SDK checks an event before queueing it with the same rule the worker applies.
 */

/** An event's properties once checked. */
export type EventProps = Record<string, string | number | boolean>;

export const PROPS_MAX_KEYS = 12;
export const PROPS_MAX_STRING = 200;
/** The whole props object as JSON, in UTF-8 bytes. */
export const PROPS_MAX_BYTES = 1024;
const KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;

/** Why props are refused (a short sentence), or undefined when they are fine. */
export function propsFault(props: unknown): string | undefined {
  if (props === undefined) return undefined;
  if (typeof props !== "object" || props === null || Array.isArray(props)) return "props must be an object";
  const entries = Object.entries(props);
  if (entries.length > PROPS_MAX_KEYS) return `props may have at most ${PROPS_MAX_KEYS} keys`;
  for (const [key, value] of entries) {
    if (!KEY_PATTERN.test(key)) return `props key "${key.slice(0, 40)}" must be a short identifier`;
    const fault = valueFault(value);
    if (fault) return `props.${key} ${fault}`;
  }
  const bytes = new TextEncoder().encode(JSON.stringify(props)).length;
  if (bytes > PROPS_MAX_BYTES) return `props may be at most ${PROPS_MAX_BYTES} bytes as JSON`;
  return undefined;
}

function valueFault(value: unknown): string | undefined {
  if (typeof value === "boolean") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : "must be a finite number";
  if (typeof value === "string") {
    return value.length <= PROPS_MAX_STRING ? undefined : `may be at most ${PROPS_MAX_STRING} characters`;
  }
  return "must be a string, number or boolean";
}
