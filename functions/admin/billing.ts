import { createRoute, z } from "@hono/zod-openapi";
import { WEBHOOK_STATUSES } from "../../db/enums";
import { iso } from "../../db/iso";
import { insertAudit } from "../../db/queries/audit";
import { findInvoiceForRefund } from "../../db/queries/billing";
import { claimReplay, listWebhookEvents } from "../../db/queries/webhook-events";
import { createRouter } from "../../shared/app";
import { processClaimedEvent } from "../../shared/billing/events";
import { stripeCall } from "../../shared/billing/stripe-errors";
import { requestMeta } from "../../shared/client-ip";
import { createStripe } from "../../shared/clients";
import { page } from "../../shared/cursor";
import { problems } from "../../shared/errors";
import { requireRole } from "../../shared/middleware/auth";
import { idempotency } from "../../shared/middleware/idempotency";
import { jsonBody, jsonContent, problemContent } from "../../shared/openapi";
import { ListWebhookEventsQuery, RefundBody, WebhookEventIdParam } from "../../shared/schemas/admin";

const adminOnly = { security: [{ bearer: [] }], tags: ["Admin"] };
const denied = { 401: problemContent("Not signed in"), 403: problemContent("Not an admin") };

const RefundSchema = z
  .object({
    id: z.string(),
    invoiceId: z.string(),
    amount: z.number().int(),
    currency: z.string(),
    status: z.string().nullable(),
    reason: z.string().nullable(),
  })
  .openapi("Refund");

const WebhookEventSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    status: z.enum(WEBHOOK_STATUSES),
    attempts: z.number().int(),
    error: z.string().nullable(),
    createdAt: z.iso.datetime(),
    receivedAt: z.iso.datetime(),
    processedAt: z.iso.datetime().nullable(),
  })
  .openapi("WebhookEvent");

const refund = createRoute({
  ...adminOnly,
  method: "post",
  path: "/refunds",
  summary: "Refunds (part of) a paid invoice through Stripe; audit-logged; requires Idempotency-Key",
  description:
    "A retry with the same Idempotency-Key never refunds twice: the API replays its answer, and Stripe " +
    "receives the same idempotency key (scoped to the admin and invoice), so a retry after a failure " +
    "completes the same refund and writes its audit entry.",
  middleware: [requireRole("admin"), idempotency({ required: true })] as const,
  request: { body: jsonBody(RefundBody) },
  responses: {
    201: jsonContent(RefundSchema, "The refund; the invoice shows it once Stripe's charge.refunded arrives"),
    400: problemContent(
      "Invalid request, no Idempotency-Key, or an amount larger than what is left to refund",
    ),
    404: problemContent("No such invoice"),
    409: problemContent("The invoice has no payment to refund"),
    ...denied,
    503: problemContent("Stripe is not reachable"),
  },
});

const listEvents = createRoute({
  ...adminOnly,
  method: "get",
  path: "/webhook-events",
  summary: "The Stripe event ledger, newest first, optionally by status (e.g. failed)",
  middleware: [requireRole("admin")] as const,
  request: { query: ListWebhookEventsQuery },
  responses: {
    200: jsonContent(
      z.object({ events: z.array(WebhookEventSchema), nextCursor: z.string().nullable() }),
      "A page of events",
    ),
    400: problemContent("Bad status, limit or cursor"),
    ...denied,
  },
});

const replay = createRoute({
  ...adminOnly,
  method: "post",
  path: "/webhook-events/{id}/replay",
  summary: "Processes a failed event again from its recorded payload; audit-logged",
  middleware: [requireRole("admin")] as const,
  request: {
    params: WebhookEventIdParam,
  },
  responses: {
    200: jsonContent(z.object({ id: z.string(), status: z.literal("processed") }), "Processed"),
    404: problemContent("No such event"),
    409: problemContent("The event is not failed (processed, ignored, or being processed)"),
    500: problemContent("It failed again; the event stays failed with the new reason"),
    ...denied,
  },
});

export const adminBillingRoutes = createRouter()
  .openapi(refund, async (c) => {
    const config = c.get("config");
    const db = c.get("db");
    const body = c.req.valid("json");
    const invoice = await findInvoiceForRefund(db, body.invoiceId);
    if (!invoice)
      throw problems.notFound({
        detail: "No such invoice.",
        extensions: { errors: [{ path: "invoiceId", message: "is not a known invoice" }] },
      });
    if (!invoice.paymentIntentId) throw problems.conflict("This invoice has no payment to refund.");
    const paymentIntent = invoice.paymentIntentId;
    const created = await stripeCall(
      () =>
        createStripe(config, c.get("traceId")).refunds.create(
          {
            payment_intent: paymentIntent,
            amount: body.amount,
            reason: body.reason,
            metadata: { invoiceId: invoice.id, adminId: c.get("userId") },
          },
          {
            idempotencyKey: `backline-refund-${c.get("userId")}-${invoice.id}-${c.req.header("Idempotency-Key")}`,
          },
        ),
      { amount: "amount", payment_intent: "invoiceId" },
    );
    await insertAudit(db, {
      actorId: c.get("userId"),
      action: "billing.refund_created",
      targetType: "invoice",
      targetId: invoice.id,
      ...requestMeta(c),
      metadata: {
        refund: created.id,
        amount: created.amount,
        currency: created.currency,
        reason: body.reason,
        note: body.note ?? null,
        user: invoice.userId,
      },
    });
    return c.json(
      {
        id: created.id,
        invoiceId: invoice.id,
        amount: created.amount,
        currency: created.currency,
        status: created.status ?? null,
        reason: created.reason ?? null,
      },
      201,
    );
  })
  .openapi(listEvents, async (c) => {
    const query = c.req.valid("query");
    const rows = await listWebhookEvents(c.get("db"), query);
    const { items, nextCursor } = page(rows, query.limit, (e) => ({
      at: e.receivedAt.toISOString(),
      id: e.id,
    }));
    const events = items.map((e) => ({
      ...e,
      createdAt: e.createdAt.toISOString(),
      receivedAt: e.receivedAt.toISOString(),
      processedAt: iso(e.processedAt),
    }));
    return c.json({ events, nextCursor }, 200);
  })
  .openapi(replay, async (c) => {
    const config = c.get("config");
    const db = c.get("db");
    const { id } = c.req.valid("param");
    const claim = await claimReplay(db, id);
    if (claim.outcome === "missing") throw problems.notFound("No such event.");
    if (claim.outcome === "not-failed") {
      throw problems.conflict({
        detail: `Only failed events can be replayed; this one is ${claim.status}.`,
        extensions: { status: claim.status },
      });
    }
    const audit = insertAudit(db, {
      actorId: c.get("userId"),
      action: "billing.webhook_replayed",
      targetType: "stripe_event",
      targetId: id,
      ...requestMeta(c),
      metadata: { type: claim.event.type },
    });
    try {
      await processClaimedEvent(
        claim.event,
        claim.attempts,
        { db, config, stripe: createStripe(config, c.get("traceId")) },
        [audit],
      );
    } catch {
      throw problems.internal("The event failed again; see its error in the ledger.");
    }
    return c.json({ id, status: "processed" as const }, 200);
  });
