import { type RedisReply, RedisReplyError } from "./backend";

/** Redis data types the embedded fallback stores. */
export type KeyType = "string" | "hash" | "set" | "zset" | "list";

/** What an embedded command may use: ioredis-mock's methods and a type probe. */
export interface EmbeddedContext {
  /** Calls an ioredis-mock command method by name. */
  invoke(name: string, ...args: (string | number)[]): Promise<unknown>;
  /** Type of the value at key ("none" when missing or expired). */
  typeOf(key: string): Promise<KeyType | "none">;
}

/** One command with Redis's own validation in front of ioredis-mock. */
export interface EmbeddedCommand {
  /** Redis arity: exact argument count (name included) when positive, minimum when negative. */
  arity: number;
  /** Type the first key must have; anything else but a missing key is WRONGTYPE. */
  keyType?: KeyType;
  run(ctx: EmbeddedContext, args: string[]): Promise<RedisReply>;
}

/** Command table keyed by lower-case name. */
export type EmbeddedCommandTable = Record<string, EmbeddedCommand>;

/** Redis's error for an operation on a value of another type. */
export const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
/** Redis's error for an argument or value that is not a 64-bit integer. */
export const NOT_INTEGER = "ERR value is not an integer or out of range";
/** Redis's error for an argument that is not a double. */
export const NOT_FLOAT = "ERR value is not a valid float";
/** Redis's error for unknown or conflicting options. */
export const SYNTAX_ERROR = "ERR syntax error";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Throws a Redis error reply. */
export function fail(message: string): never {
  throw new RedisReplyError(message);
}

/** Parses a 64-bit integer the way Redis's string2ll does (no "+", no leading zeros, no spaces). */
export function parseInteger(text: string, message = NOT_INTEGER): bigint {
  if (!/^-?(0|[1-9]\d*)$/.test(text)) fail(message);
  const value = BigInt(text);
  if (value < INT64_MIN || value > INT64_MAX) fail(message);
  return value;
}

/** Like parseInteger, as a JS number (for counts, indexes and times). */
export function parseSafeInteger(text: string, message = NOT_INTEGER): number {
  const value = parseInteger(text, message);
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) fail(message);
  return Number(value);
}

/** Adds to a 64-bit integer, failing like Redis on overflow. */
export function addInteger(current: bigint, increment: bigint): bigint {
  const sum = current + increment;
  if (sum < INT64_MIN || sum > INT64_MAX) fail("ERR increment or decrement would overflow");
  return sum;
}

/** Parses a double the way Redis does (inf/-inf allowed, NaN refused). */
export function parseFloatArg(text: string, message = NOT_FLOAT): number {
  const trimmed = text.toLowerCase();
  if (/^[+]?inf(inity)?$/.test(trimmed)) return Number.POSITIVE_INFINITY;
  if (/^-inf(inity)?$/.test(trimmed)) return Number.NEGATIVE_INFINITY;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(trimmed)) fail(message);
  const value = Number(trimmed);
  if (Number.isNaN(value)) fail(message);
  return value;
}

/** Formats a double like Redis replies do ("inf", "-inf", shortest round-trip digits). */
export function formatFloat(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return "inf";
  if (value === Number.NEGATIVE_INFINITY) return "-inf";
  return String(value);
}

/** Normalises an ioredis-mock return value into a Redis reply. */
export function toReply(value: unknown): RedisReply {
  if (value === null || value === undefined) return null;
  if (typeof value === "number" || typeof value === "string") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) return value.map(toReply);
  if (typeof value === "object") return Object.entries(value).flatMap(([k, v]) => [k, toReply(v)]);
  return String(value);
}

/** Reads a reply that must be a string (or nil). */
export function asString(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return Buffer.isBuffer(value) ? value.toString("utf8") : String(value);
}

/** The error Redis gives for a wrong argument count. */
export function arityError(name: string): string {
  return `ERR wrong number of arguments for '${name}' command`;
}
