/** A decoded Stripe parameter: strings at the leaves, as the form encoding carries no types. */
export type FormValue = string | FormValue[] | FormParams;

/** Decoded Stripe request parameters. */
export interface FormParams {
  [key: string]: FormValue;
}

/** Splits `metadata[user_id]` / `items[0][price]` / `expand[]` into path segments. */
function keyPath(key: string): string[] {
  const open = key.indexOf("[");
  if (open <= 0) return [key];
  const segments = [key.slice(0, open)];
  for (const match of key.slice(open).matchAll(/\[([^\]]*)\]/g)) segments.push(match[1] ?? "");
  return segments;
}

type Tree = { [key: string]: Tree | string };

function insert(tree: Tree, path: string[], value: string): void {
  let node = tree;
  for (let i = 0; i < path.length; i += 1) {
    let segment = path[i] ?? "";
    if (segment === "") segment = String(Object.keys(node).length);
    if (i === path.length - 1) {
      node[segment] = value;
      return;
    }
    const child = node[segment];
    if (typeof child === "object") node = child;
    else {
      const next: Tree = {};
      node[segment] = next;
      node = next;
    }
  }
}

/** Objects whose keys are all array indexes become arrays, recursively. */
function finish(node: Tree | string): FormValue {
  if (typeof node === "string") return node;
  const keys = Object.keys(node);
  if (keys.length > 0 && keys.every((key) => /^\d+$/.test(key))) {
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .map((index) => finish(node[String(index)] ?? ""));
  }
  const out: FormParams = {};
  for (const key of keys) out[key] = finish(node[key] ?? "");
  return out;
}

/** Decodes application/x-www-form-urlencoded (or a query string) with Stripe's bracket notation. */
export function parseStripeParams(encoded: string): FormParams {
  const tree: Tree = {};
  for (const [key, value] of new URLSearchParams(encoded)) insert(tree, keyPath(key), value);
  const result = finish(tree);
  return typeof result === "object" && !Array.isArray(result) ? result : {};
}

/** A string parameter, or undefined when absent. */
export function stringParam(params: FormParams, name: string): string | undefined {
  const value = params[name];
  return typeof value === "string" ? value : undefined;
}

/** A nested object parameter, or undefined when absent or empty-string ("unset"). */
export function objectParam(params: FormParams, name: string): FormParams | undefined {
  const value = params[name];
  return typeof value === "object" && !Array.isArray(value) ? value : undefined;
}
