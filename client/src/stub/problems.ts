/**
 * The problems the stub raises: the server's own problem lists (shared/errors.ts,
 * shared/auth/problems.ts, functions/billing/problems.ts) with the details its handlers give.
 */

import type { z } from "zod";
import { billingProblems } from "../../../functions/billing/problems";
import { authProblems } from "../../../shared/auth/problems";
import { problems } from "../../../shared/errors";
import { type BacklineError, fromApiError, unauthorizedProblem, validationProblem } from "../errors";
import { asJson, parse } from "../validate";

export const stubProblems = {
  unauthorized: unauthorizedProblem,
  signInToOpen: (instance: string) =>
    fromApiError(problems.unauthorized("Sign in to open this share link."), instance),
  invalidCredentials: (instance: string, detail?: string) =>
    fromApiError(authProblems.invalidCredentials(detail), instance),
  invalidEmailedToken: (instance: string) => fromApiError(authProblems.invalidEmailedToken(), instance),
  emailTaken: (instance: string) => fromApiError(authProblems.emailTaken(), instance),
  forbidden: (detail: string, instance: string) => fromApiError(problems.forbidden(detail), instance),
  premiumRequired: (detail: string, instance: string) =>
    fromApiError(
      problems.premiumRequired({ detail, extensions: { upgrade: "/api/billing/plans" } }),
      instance,
    ),
  notFound: (detail: string, instance: string) => fromApiError(problems.notFound(detail), instance),
  conflict: (detail: string, instance: string) => fromApiError(problems.conflict(detail), instance),
  gone: (detail: string, instance: string) => fromApiError(problems.gone(detail), instance),
  alreadySubscribed: (instance: string, subscription: string) =>
    fromApiError(
      billingProblems.alreadySubscribed({
        detail: "You already have a subscription. Change or cancel it in the billing portal.",
        extensions: { portal: "/api/billing/portal", subscription },
      }),
      instance,
    ),
  noSubscription: (instance: string) =>
    fromApiError(billingProblems.noSubscription("You have no current subscription."), instance),
  noCustomer: (instance: string) =>
    fromApiError(
      billingProblems.noCustomer("You have no billing account yet: check out a plan first."),
      instance,
    ),
};

/** Validates like a route's validator: the parsed value, or the 400 problem (paths prefixed by `where`). */
export function validate<S extends z.ZodType>(
  schema: S,
  input: unknown,
  instance: string,
  where?: string,
): z.output<S> {
  const result = parse(schema, asJson(input), where);
  if (!result.ok) throw validationProblem(result.errors, instance);
  return result.value;
}

export type { BacklineError };
