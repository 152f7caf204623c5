import { defineProblems } from "../../shared/errors";

/** Problems of the billing group. */
export const billingProblems = defineProblems({
  alreadySubscribed: { status: 409, title: "Already subscribed" },
  noSubscription: { status: 404, title: "No subscription" },
  noCustomer: { status: 404, title: "No billing account" },
});
