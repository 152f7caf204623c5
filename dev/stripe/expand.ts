import { isRecord } from "../http-util";
import type { FormValue } from "./form";
import { type StoredObject, type StripeStore, wireCopy } from "./store";

/** Which collection holds an id, by its prefix. */
const COLLECTION_BY_PREFIX: [string, string][] = [
  ["cus_", "customers"],
  ["sub_", "subscriptions"],
  ["in_", "invoices"],
  ["inpay_", "invoice_payments"],
  ["ch_", "charges"],
  ["re_", "refunds"],
  ["cs_", "checkout_sessions"],
  ["prod_", "products"],
  ["price_", "prices"],
  ["evt_", "events"],
];

function lookup(store: StripeStore, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => lookup(store, item));
  if (typeof value !== "string") return value;
  const collection = COLLECTION_BY_PREFIX.find(([prefix]) => value.startsWith(prefix))?.[1];
  const found = collection ? store.get<StoredObject>(collection, value) : undefined;
  return found ? wireCopy(found) : value;
}

function expandPath(store: StripeStore, node: unknown, segments: string[]): unknown {
  if (Array.isArray(node)) return node.map((item) => expandPath(store, item, segments));
  const [key, ...rest] = segments;
  if (!isRecord(node) || key === undefined || !(key in node)) return node;
  const value = lookup(store, node[key]);
  node[key] = rest.length > 0 ? expandPath(store, value, rest) : value;
  return node;
}

/** Applies Stripe's `expand[]` (dotted paths, `data.` for lists) to a response body. */
export function expandResponse(store: StripeStore, body: unknown, expand: FormValue | undefined): unknown {
  const paths = (Array.isArray(expand) ? expand : typeof expand === "string" ? [expand] : []).filter(
    (path): path is string => typeof path === "string" && path !== "",
  );
  if (paths.length === 0) return body;
  let result = wireCopy(body);
  for (const path of paths) result = expandPath(store, result, path.split("."));
  return result;
}
