import { createRoute, z } from "@hono/zod-openapi";
import type Stripe from "stripe";
import { claimEvent, type LedgerEvent, recordIgnoredEvent } from "../../db/queries/webhook-events";
import { createRouter } from "../../shared/app";
import { HANDLED_EVENTS, processClaimedEvent, processInOneBatch } from "../../shared/billing/events";
import { createStripe } from "../../shared/clients";
import { describeError } from "../../shared/db-errors";
import { problems } from "../../shared/errors";
import { jsonContent, problemContent } from "../../shared/openapi";
import { webhooks } from "../../shared/vendor/stripe";
import { webhookProblems } from "./problems";
import { hmacProvider } from "./signature";

/** Stripe's own default: a signature older than this is refused (replay protection). */
const SIGNATURE_TOLERANCE_SECONDS = 300;
/** Asked of a delivery that arrives while another delivery of the same event is being processed. */
const IN_FLIGHT_RETRY_SECONDS = 10;

const Ack = z
  .object({
    received: z.literal(true),
    outcome: z.enum(["processed", "duplicate", "ignored"]),
  })
  .openapi("WebhookAck");

const stripeWebhook = createRoute({
  method: "post",
  path: "/stripe",
  tags: ["Webhooks"],
  summary: "Stripe events: signature-checked, exactly-once, order-safe",
  description:
    "Verifies `Stripe-Signature` on the raw body (300 s tolerance) before anything else. Each event id is " +
    "processed once: duplicates are acknowledged without effect, and a delivery that arrives while the same " +
    "event is being processed either waits for its commit (and is a duplicate) or gets 409 so Stripe retries " +
    "it. A first delivery of a subscription or checkout event is claimed and applied in one transaction. Answers 2xx only after the effects commit; a " +
    "failed handler answers 500 (Stripe retries) and the event can be replayed by an admin. An event about an " +
    "account deleted here is stored scrubbed (its object keeps only id and kind), and a subscription of it that " +
    "may still bill is canceled at Stripe (audit-logged) before the event is acknowledged.",
  // No request schema on purpose: a validator would parse the body, and the signature covers
  // the exact bytes. The body is a Stripe Event object.
  responses: {
    200: jsonContent(Ack, "Processed, or a duplicate, or a type the API does not act on"),
    400: problemContent("Missing, malformed, wrongly signed or stale signature; nothing was written"),
    409: problemContent("Another delivery of this event is being processed; retry later"),
    500: problemContent("The handler failed; the event is recorded as failed and Stripe will retry"),
  },
});

export const webhookRoutes = createRouter().openapi(stripeWebhook, async (c) => {
  const config = c.get("config");
  const db = c.get("db");
  // The exact bytes Stripe signed: read before (and instead of) any JSON parsing.
  const raw = await c.req.text();
  const signature = c.req.header("stripe-signature");
  let event: Stripe.Event;
  try {
    if (!signature) throw new Error("no Stripe-Signature header");
    event = await webhooks.constructEventAsync(
      raw,
      signature,
      config.STRIPE_WEBHOOK_SECRET,
      SIGNATURE_TOLERANCE_SECONDS,
      hmacProvider,
    );
  } catch (error) {
    const reason = signature ? (error instanceof Error ? error.message : "invalid signature") : "missing";
    console.warn(
      JSON.stringify({
        level: "warn",
        msg: "webhook signature rejected",
        requestId: c.get("requestId"),
        reason,
      }),
    );
    throw webhookProblems.badSignature({
      detail: signature
        ? "The Stripe-Signature header does not match the body, or is older than 300 seconds."
        : "The Stripe-Signature header is missing.",
      extensions: {
        errors: [{ path: "header.stripe-signature", message: signature ? "does not verify" : "is missing" }],
      },
    });
  }

  const ledger: LedgerEvent = {
    id: event.id,
    type: event.type,
    createdAt: new Date(event.created * 1000),
    payload: event as unknown as Record<string, unknown>,
    // The signed bytes are the event's JSON: the ledger stores them rather than a second serialisation.
    raw,
  };
  if (!HANDLED_EVENTS.has(event.type)) {
    await recordIgnoredEvent(db, ledger);
    return c.json({ received: true as const, outcome: "ignored" as const }, 200);
  }
  const context = { db, config, stripe: createStripe(config, c.get("traceId")) };
  if (await processInOneBatch(ledger, context)) {
    return c.json({ received: true as const, outcome: "processed" as const }, 200);
  }
  const claim = await claimEvent(db, ledger);
  if (claim.outcome === "done")
    return c.json({ received: true as const, outcome: "duplicate" as const }, 200);
  if (claim.outcome === "in-flight") {
    throw webhookProblems.eventInFlight({
      detail: `Event ${event.id} is being processed by another delivery.`,
      headers: { "Retry-After": String(IN_FLIGHT_RETRY_SECONDS) },
    });
  }
  try {
    await processClaimedEvent(ledger, claim.attempts, { ...context, ownerGone: claim.ownerGone });
  } catch (error) {
    console.error(
      JSON.stringify({
        level: "error",
        msg: "webhook handler failed",
        requestId: c.get("requestId"),
        event: event.id,
        type: event.type,
        attempt: claim.attempts,
        ...describeError(error),
      }),
    );
    throw problems.internal({
      detail: "The event could not be processed; it is recorded and will be retried.",
    });
  }
  return c.json({ received: true as const, outcome: "processed" as const }, 200);
});
