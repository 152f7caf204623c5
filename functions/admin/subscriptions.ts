import { createRoute, z } from "@hono/zod-openapi";
import { iso } from "../../db/iso";
import { listAllSubscriptions } from "../../db/queries/admin-billing";
import { listInvoices } from "../../db/queries/billing";
import { createRouter } from "../../shared/app";
import { page } from "../../shared/cursor";
import { requireRole } from "../../shared/middleware/auth";
import { jsonContent, problemContent } from "../../shared/openapi";
import { ListSubscriptionsQuery, UserIdParam } from "../../shared/schemas/admin";
import { PageQuery } from "../../shared/schemas/page";

const adminOnly = { security: [{ bearer: [] }], tags: ["Admin"], middleware: requireRole("admin") };
const denied = { 401: problemContent("Not signed in"), 403: problemContent("Not an admin") };

const AdminSubscriptionSchema = z
  .object({
    id: z.string(),
    userId: z.uuid().nullable().openapi({ description: "Null when the account was deleted or never linked" }),
    email: z.string().nullable(),
    customerId: z.string(),
    status: z.string(),
    plan: z.string().nullable(),
    priceId: z.string().nullable(),
    currentPeriodEnd: z.iso.datetime().nullable(),
    cancelAtPeriodEnd: z.boolean(),
    canceledAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
  })
  .openapi("AdminSubscription");

const AdminInvoiceSchema = z
  .object({
    id: z.string(),
    number: z.string().nullable(),
    status: z.string(),
    currency: z.string(),
    amountDue: z.number().int(),
    amountPaid: z.number().int(),
    amountRefunded: z.number().int(),
    hostedInvoiceUrl: z.url().nullable().openapi({ description: "Stripe's page of the invoice" }),
    subscriptionId: z.string().nullable(),
    periodStart: z.iso.datetime().nullable(),
    periodEnd: z.iso.datetime().nullable(),
    issuedAt: z.iso.datetime(),
  })
  .openapi("AdminInvoice");

const listSubscriptions = createRoute({
  ...adminOnly,
  method: "get",
  path: "/subscriptions",
  summary: "Every user's subscriptions, newest first, optionally of one status",
  request: { query: ListSubscriptionsQuery },
  responses: {
    200: jsonContent(
      z.object({ subscriptions: z.array(AdminSubscriptionSchema), nextCursor: z.string().nullable() }),
      "A page of subscriptions",
    ),
    400: problemContent("Bad status, limit or cursor"),
    ...denied,
  },
});

const listUserInvoices = createRoute({
  ...adminOnly,
  method: "get",
  path: "/users/{id}/invoices",
  summary: "A user's invoices, newest first, with what was refunded of each",
  request: { params: UserIdParam, query: PageQuery },
  responses: {
    200: jsonContent(
      z.object({ invoices: z.array(AdminInvoiceSchema), nextCursor: z.string().nullable() }),
      "A page of invoices (empty for an unknown user)",
    ),
    400: problemContent("Bad id, limit or cursor"),
    ...denied,
  },
});

export const adminSubscriptionRoutes = createRouter()
  .openapi(listSubscriptions, async (c) => {
    const query = c.req.valid("query");
    const plans = c.get("config").BILLING_PLANS;
    const rows = await listAllSubscriptions(c.get("db"), query);
    const { items, nextCursor } = page(rows, query.limit, (s) => ({
      at: s.createdAt.toISOString(),
      id: s.id,
    }));
    const subscriptions = items.map((s) => ({
      ...s,
      plan: plans.find((plan) => plan.priceId === s.priceId)?.id ?? null,
      currentPeriodEnd: iso(s.currentPeriodEnd),
      canceledAt: iso(s.canceledAt),
      createdAt: s.createdAt.toISOString(),
    }));
    return c.json({ subscriptions, nextCursor }, 200);
  })
  .openapi(listUserInvoices, async (c) => {
    const { id } = c.req.valid("param");
    const { cursor, limit } = c.req.valid("query");
    const rows = await listInvoices(c.get("db"), { userId: id, cursor, limit });
    const { items, nextCursor } = page(rows, limit, (r) => ({
      at: r.invoice.issuedAt.toISOString(),
      id: r.invoice.id,
    }));
    const invoices = items.map(({ invoice: i, amountRefunded }) => ({
      id: i.id,
      number: i.number,
      status: i.status,
      currency: i.currency,
      amountDue: i.amountDue,
      amountPaid: i.amountPaid,
      amountRefunded,
      hostedInvoiceUrl: i.hostedInvoiceUrl,
      subscriptionId: i.subscriptionId,
      periodStart: iso(i.periodStart),
      periodEnd: iso(i.periodEnd),
      issuedAt: i.issuedAt.toISOString(),
    }));
    return c.json({ invoices, nextCursor }, 200);
  });
