/** The problems the stub raises, worded as the API words them (functions/*, shared/errors.ts). */
import { type BacklineError, problem, unauthorizedProblem, validationProblem } from "../errors";
import { parse, type Schema } from "../validation/schema";

export const stubProblems = {
  unauthorized: unauthorizedProblem,
  signInToOpen: (instance: string) =>
    problem("unauthorized", 401, "Authentication required", {
      detail: "Sign in to open this share link.",
      instance,
    }),
  invalidCredentials: (instance: string) =>
    problem("invalid-credentials", 401, "Email or password is incorrect", { instance }),
  emailTaken: (instance: string) =>
    problem("email-taken", 409, "An account with this email already exists", { instance }),
  forbidden: (detail: string, instance: string) =>
    problem("forbidden", 403, "You are not allowed to do this", { detail, instance }),
  premiumRequired: (detail: string, instance: string) =>
    problem("premium-required", 403, "Premium required", {
      detail,
      instance,
      extensions: { upgrade: "/api/billing/plans" },
    }),
  notFound: (detail: string, instance: string) =>
    problem("not-found", 404, "Not found", { detail, instance }),
  conflict: (detail: string, instance: string) =>
    problem("conflict", 409, "Conflict with the current state", { detail, instance }),
  gone: (detail: string, instance: string) => problem("gone", 410, "Gone", { detail, instance }),
  alreadySubscribed: (instance: string, subscription: string) =>
    problem("already-subscribed", 409, "Already subscribed", {
      detail: "You already have a subscription. Change or cancel it in the billing portal.",
      instance,
      extensions: { portal: "/api/billing/portal", subscription },
    }),
  noSubscription: (instance: string) =>
    problem("no-subscription", 404, "No subscription", {
      detail: "You have no current subscription.",
      instance,
    }),
  noCustomer: (instance: string) =>
    problem("no-customer", 404, "No billing account", {
      detail: "You have no billing account yet: check out a plan first.",
      instance,
    }),
};

/** Validates like a route's validator: the parsed value, or the 400 problem (paths prefixed by `where`). */
export function validate<T>(schema: Schema<T>, input: unknown, instance: string, where?: string): T {
  // The server sees JSON: what JSON drops or turns to null, it never sees.
  const json = input === undefined ? undefined : (JSON.parse(JSON.stringify(input)) as unknown);
  const result = parse(schema, json, where);
  if (!result.ok) throw validationProblem(result.errors, instance);
  return result.value;
}

export type { BacklineError };
