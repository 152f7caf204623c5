import Stripe from "stripe";
import { type ApiError, problems, validationError } from "../errors";

/**
 * A Stripe API failure as the problem this API answers with. Request errors Stripe blames on
 * a parameter become a 400 naming our field (`fields` maps Stripe's parameter to ours);
 * connection, rate-limit and server errors become 503. Stripe's own messages are passed on
 * only for request errors, which describe the input, never internals.
 */
export function fromStripeError(error: unknown, fields: Record<string, string> = {}): ApiError | unknown {
  if (!(error instanceof Stripe.errors.StripeError)) return error;
  if (
    error instanceof Stripe.errors.StripeInvalidRequestError ||
    error instanceof Stripe.errors.StripeCardError
  ) {
    if (error.statusCode === 404 || error.code === "resource_missing") {
      return problems.notFound(
        fields[error.param ?? ""] ? `No such ${fields[error.param ?? ""]}.` : "Not found at Stripe.",
      );
    }
    const field = error.param ? (fields[error.param] ?? error.param) : undefined;
    const message = error.message.slice(0, 300);
    return field ? validationError([{ path: field, message }]) : problems.unprocessable(message);
  }
  return problems.unavailable({
    detail: "The payment provider is not reachable right now. Try again shortly.",
    headers: { "Retry-After": "5" },
  });
}

/** Runs one Stripe call, turning its failure into this API's problem. */
export async function stripeCall<T>(call: () => Promise<T>, fields: Record<string, string> = {}): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw fromStripeError(error, fields);
  }
}
