import { randomBytes } from "node:crypto";
import type { FormParams } from "./form";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A Stripe-looking id: prefix + "_" + random base62 (e.g. cus_Qx3…). */
export function stripeId(prefix: string, length = 14): string {
  const bytes = randomBytes(length);
  let id = "";
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return `${prefix}_${id}`;
}

/** Unix time in seconds, as Stripe's `created`. */
export function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

/** A deep copy through JSON, as the object would travel over the wire (Decimal becomes its string). */
export function wireCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Any stored Stripe object. */
export interface StoredObject {
  id: string;
  object: string;
}

/** A Stripe list envelope. */
export interface StripeList<T> {
  object: "list";
  data: T[];
  has_more: boolean;
  url: string;
}

/** Thrown by handlers; rendered as Stripe's `{error: {...}}` with the status. */
export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: "invalid_request_error" | "api_error" | "idempotency_error" | "card_error",
    message: string,
    readonly code?: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = "StripeApiError";
  }

  /** The 404 Stripe returns for an unknown id. */
  static missing(resource: string, id: string, param = "id"): StripeApiError {
    return new StripeApiError(
      404,
      "invalid_request_error",
      `No such ${resource}: '${id}'`,
      "resource_missing",
      param,
    );
  }

  /** The 400 for a parameter the endpoint does not know. */
  static unknownParam(name: string): StripeApiError {
    return new StripeApiError(
      400,
      "invalid_request_error",
      `Received unknown parameter: ${name}`,
      "parameter_unknown",
      name,
    );
  }
}

/** Throws Stripe's parameter_unknown error for the first parameter not in `allowed`. */
export function rejectUnknown(params: FormParams, allowed: Iterable<string>): void {
  const known = new Set(allowed);
  for (const name of Object.keys(params)) if (!known.has(name)) throw StripeApiError.unknownParam(name);
}

/**
 * In-memory objects per collection (customers, prices, subscriptions, …), newest last.
 * Resource modules own their collection name and object shape.
 */
export class StripeStore {
  private readonly collections = new Map<string, Map<string, StoredObject>>();

  private collection(name: string): Map<string, StoredObject> {
    let items = this.collections.get(name);
    if (!items) {
      items = new Map();
      this.collections.set(name, items);
    }
    return items;
  }

  /** Stores (or replaces) an object. */
  put<T extends StoredObject>(collection: string, object: T): T {
    this.collection(collection).set(object.id, object);
    return object;
  }

  /** Reads an object; the caller knows its type. */
  get<T extends StoredObject>(collection: string, id: string): T | undefined {
    return this.collection(collection).get(id) as T | undefined;
  }

  /** Removes an object; true when it existed. */
  delete(collection: string, id: string): boolean {
    return this.collection(collection).delete(id);
  }

  /** All objects of a collection, newest first. */
  all<T extends StoredObject>(collection: string): T[] {
    return [...this.collection(collection).values()].reverse() as T[];
  }
}

/** Applies Stripe's list parameters (limit, starting_after, ending_before) to newest-first items. */
export function paginate<T extends StoredObject>(items: T[], params: FormParams, url: string): StripeList<T> {
  const limitText = params.limit;
  const limit = typeof limitText === "string" ? Number(limitText) : 10;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new StripeApiError(
      400,
      "invalid_request_error",
      "Invalid limit: must be an integer between 1 and 100",
      undefined,
      "limit",
    );
  }
  let window = items;
  const after = params.starting_after;
  const before = params.ending_before;
  if (typeof after === "string") {
    const index = items.findIndex((item) => item.id === after);
    if (index < 0) throw StripeApiError.missing("object", after, "starting_after");
    window = items.slice(index + 1);
  } else if (typeof before === "string") {
    const index = items.findIndex((item) => item.id === before);
    if (index < 0) throw StripeApiError.missing("object", before, "ending_before");
    window = items.slice(Math.max(0, index - limit), index);
    return { object: "list", data: window, has_more: index - limit > 0, url };
  }
  return { object: "list", data: window.slice(0, limit), has_more: window.length > limit, url };
}
