import { defineProblems } from "../../shared/errors";

/** Problems of the webhooks group. */
export const webhookProblems = defineProblems({
  badSignature: { status: 400, title: "Webhook signature verification failed" },
  eventInFlight: { status: 409, title: "This event is being processed" },
});
