/**
 * A few dozen lines of schema combinators that reproduce the server's zod 4 checks: the same
 * order of issues and the same messages, so stub mode and local validation report what the
 * API would. client/test/validation.test.ts compares them with the server's own schemas.
 */
import type { FieldError } from "../types";

type Path = (string | number)[];

interface Issue {
  path: Path;
  message: string;
  /** A type error: zod stops checking this value (and a union branch with one is out). */
  fatal: boolean;
  /** zod's unrecognized_keys issue: the API lists each key as its own field error. */
  unknownKeys?: string[];
}

/** Parses `input` at `path`, pushing issues; returns the (possibly transformed) value. */
export type Schema<T = unknown> = (input: unknown, path: Path, issues: Issue[]) => T;

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number")
    return Number.isNaN(value) ? "NaN" : Number.isFinite(value) ? "number" : String(value);
  return typeof value;
}

function invalidType(expected: string, input: unknown, path: Path, issues: Issue[]): void {
  issues.push({
    path,
    message: `Invalid input: expected ${expected}, received ${typeName(input)}`,
    fatal: true,
  });
}

/**
 * A check of a string: returns a message when it fails. Length checks (zod's min/max) also
 * run on a value of the wrong type that has a length (an array), as zod's do.
 */
type Check = { length: false; run: (value: string) => string | undefined } | LengthCheck;
type LengthCheck = { length: true; run: (value: string | unknown[]) => string | undefined };

const originOf = (value: string | unknown[]) => (Array.isArray(value) ? "array" : "string");
const sizeUnit = (origin: string) => (origin === "string" ? "characters" : "items");
const hasLength = (value: unknown): value is string | unknown[] =>
  typeof value === "string" || Array.isArray(value);

const tooSmall = (origin: string, min: number) =>
  origin === "string" || origin === "array"
    ? `Too small: expected ${origin} to have >=${min} ${sizeUnit(origin)}`
    : `Too small: expected ${origin} to be >=${min}`;
const tooBig = (origin: string, max: number) =>
  origin === "string" || origin === "array"
    ? `Too big: expected ${origin} to have <=${max} ${sizeUnit(origin)}`
    : `Too big: expected ${origin} to be <=${max}`;

function runLengthChecks(checks: Check[], value: unknown, path: Path, issues: Issue[]): void {
  if (!hasLength(value)) return;
  for (const check of checks) {
    const message = check.length ? check.run(value) : undefined;
    if (message) issues.push({ path, message, fatal: false });
  }
}

interface StringOptions {
  trim?: boolean;
  lower?: boolean;
  checks?: Check[];
}

/** z.string() with its trim/toLowerCase transforms, then every check in order. */
export function string({ trim, lower, checks = [] }: StringOptions = {}): Schema<string> {
  return (input, path, issues) => {
    if (typeof input !== "string") {
      invalidType("string", input, path, issues);
      runLengthChecks(checks, input, path, issues);
      return "";
    }
    let value = trim ? input.trim() : input;
    if (lower) value = value.toLowerCase();
    for (const check of checks) {
      const message = check.run(value);
      if (message) issues.push({ path, message, fatal: false });
    }
    return value;
  };
}

export const minLength = (min: number, message?: string): LengthCheck => ({
  length: true,
  run: (v) => (v.length < min ? (message ?? tooSmall(originOf(v), min)) : undefined),
});
export const maxLength = (max: number, message?: string): LengthCheck => ({
  length: true,
  run: (v) => (v.length > max ? (message ?? tooBig(originOf(v), max)) : undefined),
});
export const matches = (pattern: RegExp, message: string): Check => ({
  length: false,
  run: (v) => (pattern.test(v) ? undefined : message),
});
/** A custom check (zod's refine). */
export const refine = (run: (value: string) => string | undefined): Check => ({ length: false, run });

const UUID =
  /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$/;
const EMAIL =
  /^(?:[A-Za-z0-9_'+-]+\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/;

export const uuid = (): Schema<string> => string({ checks: [matches(UUID, "Invalid UUID")] });
export const isEmail = (message: string): Check => matches(EMAIL, message);

interface NumberOptions {
  int?: boolean;
  min?: number;
  max?: number;
}

/** z.number() (finite), optionally .int(), .min(), .max(). */
export function number({ int, min, max }: NumberOptions = {}): Schema<number> {
  return (input, path, issues) => {
    if (typeof input !== "number" || !Number.isFinite(input)) {
      invalidType("number", input, path, issues);
      return 0;
    }
    if (int) {
      if (!Number.isInteger(input)) {
        invalidType("int", input, path, issues);
        return input;
      }
      if (input > Number.MAX_SAFE_INTEGER)
        issues.push({ path, message: tooBig("int", Number.MAX_SAFE_INTEGER), fatal: false });
      if (input < Number.MIN_SAFE_INTEGER)
        issues.push({ path, message: tooSmall("int", Number.MIN_SAFE_INTEGER), fatal: false });
    }
    if (min !== undefined && input < min)
      issues.push({ path, message: tooSmall("number", min), fatal: false });
    if (max !== undefined && input > max) issues.push({ path, message: tooBig("number", max), fatal: false });
    return input;
  };
}

export const boolean = (): Schema<boolean> => (input, path, issues) => {
  if (typeof input !== "boolean") invalidType("boolean", input, path, issues);
  return input as boolean;
};

export const unknown = (): Schema<unknown> => (input) => input;

/** z.enum([...]). */
export function oneOf<const T extends string>(values: readonly T[]): Schema<T> {
  return (input, path, issues) => {
    if (!values.includes(input as T)) {
      issues.push({
        path,
        message: `Invalid option: expected one of ${values.map((v) => JSON.stringify(v)).join("|")}`,
        fatal: true,
      });
    }
    return input as T;
  };
}

/** .optional(): absent stays absent. */
export const optional =
  <T>(schema: Schema<T>): Schema<T | undefined> =>
  (input, path, issues) =>
    input === undefined ? undefined : schema(input, path, issues);

/** .default(value): absent becomes the default. */
export const withDefault =
  <T>(schema: Schema<T>, value: () => T): Schema<T> =>
  (input, path, issues) =>
    input === undefined ? value() : schema(input, path, issues);

/** .nullable(). */
export const nullable =
  <T>(schema: Schema<T>): Schema<T | null> =>
  (input, path, issues) =>
    input === null ? null : schema(input, path, issues);

/** z.array(item) with .min()/.max(): a length issue is reported instead of the items' issues. */
export function array<T>(item: Schema<T>, { min, max }: { min?: number; max?: number } = {}): Schema<T[]> {
  return (input, path, issues) => {
    const lengthChecks = [
      ...(min !== undefined ? [minLength(min)] : []),
      ...(max !== undefined ? [maxLength(max)] : []),
    ];
    if (!Array.isArray(input)) {
      invalidType("array", input, path, issues);
      runLengthChecks(lengthChecks, input, path, issues);
      return [];
    }
    if (min !== undefined && input.length < min) {
      issues.push({ path, message: tooSmall("array", min), fatal: false });
      return input;
    }
    if (max !== undefined && input.length > max) {
      issues.push({ path, message: tooBig("array", max), fatal: false });
      return input;
    }
    return input.map((element, index) => item(element, [...path, index], issues));
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** z.object(shape).strict(): fields in shape order, then one issue per unknown key. */
export function strictObject<S extends Record<string, Schema>>(
  shape: S,
  strict = true,
): Schema<{ [K in keyof S]: ReturnType<S[K]> }> {
  return (input, path, issues) => {
    if (!isPlainObject(input)) {
      invalidType("object", input, path, issues);
      return {} as { [K in keyof S]: ReturnType<S[K]> };
    }
    const out: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(shape)) {
      const value = schema(input[key], [...path, key], issues);
      if (value !== undefined) out[key] = value;
    }
    const unknownKeys = strict ? Object.keys(input).filter((key) => !(key in shape)) : [];
    if (unknownKeys.length > 0) {
      const message = `Unrecognized key${unknownKeys.length > 1 ? "s" : ""}: ${unknownKeys.map((k) => JSON.stringify(k)).join(", ")}`;
      issues.push({ path, message, fatal: true, unknownKeys });
    }
    return out as { [K in keyof S]: ReturnType<S[K]> };
  };
}

/** z.object(shape): unknown keys are dropped. */
export const object = <S extends Record<string, Schema>>(shape: S) => strictObject(shape, false);

/** z.record(key, value): a bad key is reported (its value is not checked). */
export function record<T>(key: Schema<string>, value: Schema<T>): Schema<Record<string, T>> {
  return (input, path, issues) => {
    if (!isPlainObject(input)) {
      invalidType("record", input, path, issues);
      return {};
    }
    const out: Record<string, T> = {};
    for (const [k, v] of Object.entries(input)) {
      const keyIssues: Issue[] = [];
      key(k, [], keyIssues);
      if (keyIssues.length > 0) {
        issues.push({ path: [...path, k], message: "Invalid key in record", fatal: true });
        continue;
      }
      out[k] = value(v, [...path, k], issues);
    }
    return out;
  };
}

/** z.union(options): the first clean option wins; else the one option without a type error, else "Invalid input". */
export function union<T>(...options: Schema<T>[]): Schema<T> {
  return (input, path, issues) => {
    const tries = options.map((option) => {
      const own: Issue[] = [];
      return { value: option(input, path, own), issues: own };
    });
    const clean = tries.find((t) => t.issues.length === 0);
    if (clean) return clean.value;
    const live = tries.filter((t) => !t.issues.some((i) => i.fatal));
    if (live.length === 1 && live[0]) {
      issues.push(...live[0].issues);
      return live[0].value;
    }
    issues.push({ path, message: "Invalid input", fatal: true });
    return input as T;
  };
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** Runs a schema; errors carry paths as the API prints them (`where.a.0.b`, or `(root)`). */
export function parse<T>(schema: Schema<T>, input: unknown, where?: string): ParseResult<T> {
  const issues: Issue[] = [];
  const value = schema(input, [], issues);
  if (issues.length === 0) return { ok: true, value };
  const at = (path: Path) => [where, ...path.map(String)].filter(Boolean).join(".") || "(root)";
  return {
    ok: false,
    errors: issues.flatMap((issue) =>
      issue.unknownKeys
        ? issue.unknownKeys.map((key) => ({
            path: at([...issue.path, key]),
            message: "is not a field you can send here",
          }))
        : [{ path: at(issue.path), message: issue.message }],
    ),
  };
}

/** zod's own issues as `path.joined: message` strings, as sync results quote them. */
export function rawIssues(schema: Schema, input: unknown): string[] {
  const issues: Issue[] = [];
  schema(input, [], issues);
  return issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
}
