import { parse } from "qs";

/** A decoded Stripe parameter: strings at the leaves, as the form encoding carries no types. */
export type FormValue = string | FormValue[] | FormParams;

/** Decoded Stripe request parameters. */
export interface FormParams {
  [key: string]: FormValue;
}

/**
 * Decodes application/x-www-form-urlencoded (or a query string) with Stripe's bracket notation
 * (`metadata[k]=v`, `items[0][price]=p`, `expand[]=x`), the encoding the stripe SDK makes with qs.
 */
export function parseForm(encoded: string): FormParams {
  return parse(encoded, { depth: 10, arrayLimit: 100, parameterLimit: 10_000 }) as FormParams;
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
