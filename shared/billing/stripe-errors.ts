import { defineProblems, problems, validationError } from "../errors";
import { errors as stripeErrors } from "../vendor/stripe";

const stripeProblems = defineProblems({
  paymentProviderError: { status: 502, title: "The payment provider refused the request" },
});

/**
 * A Stripe API failure as the problem this API answers with.
 * - A request error Stripe blames on a parameter listed in `fields` (Stripe's name → ours) is
 *   the caller's: 400 naming our field with Stripe's message (it describes the input), or 404
 *   when that parameter names something missing.
 * - Any other request error is ours (configuration, stale ids): 502, logged, no Stripe text.
 * - Connection, rate-limit and server errors: 503 with Retry-After.
 */
export function fromStripeError(error: unknown, fields: Record<string, string> = {}): unknown {
  if (!(error instanceof stripeErrors.StripeError)) return error;
  const field = error.param ? fields[error.param] : undefined;
  if (
    field &&
    (error instanceof stripeErrors.StripeInvalidRequestError || error instanceof stripeErrors.StripeCardError)
  ) {
    if (error.code === "resource_missing") return problems.notFound(`No such ${field}.`);
    return validationError([{ path: field, message: error.message.slice(0, 300) }]);
  }
  if (
    error instanceof stripeErrors.StripeConnectionError ||
    error instanceof stripeErrors.StripeRateLimitError ||
    error instanceof stripeErrors.StripeAPIError
  ) {
    return problems.unavailable({
      detail: "The payment provider is not reachable right now. Try again shortly.",
      headers: { "Retry-After": "5" },
      cause: error,
    });
  }
  console.error(
    JSON.stringify({
      level: "error",
      msg: "Stripe refused a request",
      type: error.type,
      code: error.code,
      param: error.param,
      status: error.statusCode,
      requestId: error.requestId,
      message: error.message,
    }),
  );
  return stripeProblems.paymentProviderError({
    detail: "The payment provider refused this request. It has been logged; try again later.",
    cause: error,
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
