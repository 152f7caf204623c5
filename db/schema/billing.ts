import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  smallint,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { WEBHOOK_STATUSES } from "../enums";
import { users } from "./users";

/**
 * Stripe subscriptions as last applied from webhooks. `eventAt`/`eventRank` is the version of
 * the applied state: an event older than it (or of a lower rank in the same second) is
 * ignored, and a canceled subscription never comes back. Rows outlive their user (accounting).
 */
export const subscriptions = pgTable(
  "subscriptions",
  {
    id: text().primaryKey(),
    userId: uuid().references(() => users.id, { onDelete: "set null" }),
    customerId: text().notNull(),
    status: text().notNull(),
    priceId: text(),
    /** Null on rows applied before the column existed, until the subscription's next event. */
    currentPeriodStart: timestamp({ withTimezone: true }),
    currentPeriodEnd: timestamp({ withTimezone: true }),
    cancelAtPeriodEnd: boolean().notNull().default(false),
    canceledAt: timestamp({ withTimezone: true }),
    endedAt: timestamp({ withTimezone: true }),
    /** When the subscription became past_due; premium lasts BILLING_GRACE_PERIOD from here. */
    pastDueSince: timestamp({ withTimezone: true }),
    eventAt: timestamp({ withTimezone: true }).notNull(),
    eventRank: smallint().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("subscriptions_user_idx").on(t.userId), index("subscriptions_customer_idx").on(t.customerId)],
);

/** Invoices as last applied from `invoice.*` webhooks; the user's billing history. */
export const invoices = pgTable(
  "invoices",
  {
    id: text().primaryKey(),
    userId: uuid().references(() => users.id, { onDelete: "set null" }),
    customerId: text().notNull(),
    subscriptionId: text(),
    number: text(),
    status: text().notNull(),
    currency: text().notNull(),
    amountDue: integer().notNull(),
    amountPaid: integer().notNull(),
    hostedInvoiceUrl: text(),
    paymentIntentId: text(),
    periodStart: timestamp({ withTimezone: true }),
    periodEnd: timestamp({ withTimezone: true }),
    issuedAt: timestamp({ withTimezone: true }).notNull(),
    eventAt: timestamp({ withTimezone: true }).notNull(),
    eventRank: smallint().notNull(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("invoices_user_idx").on(t.userId, t.issuedAt, t.id),
    index("invoices_payment_intent_idx").on(t.paymentIntentId),
    // Checkout completion gives a customer's earlier invoices to the user.
    index("invoices_customer_idx").on(t.customerId),
  ],
);

/**
 * Refunded amount per payment, from `charge.refunded` (cumulative, so only ever raised).
 * Kept apart from invoices because a charge does not name its invoice, and the refund
 * event may arrive before the invoice's.
 */
export const paymentRefunds = pgTable("payment_refunds", {
  paymentIntentId: text().primaryKey(),
  amountRefunded: integer().notNull(),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

export { WEBHOOK_STATUSES, type WebhookStatus } from "../enums";

/**
 * The Stripe event ledger, keyed by event id: the insert that claims an event decides who
 * processes it. The payload is kept so an admin can replay a failed event.
 */
export const stripeEvents = pgTable(
  "stripe_events",
  {
    id: text().primaryKey(),
    type: text().notNull(),
    /** Event `created` at Stripe. */
    createdAt: timestamp({ withTimezone: true }).notNull(),
    receivedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    claimedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    processedAt: timestamp({ withTimezone: true }),
    status: text({ enum: WEBHOOK_STATUSES }).notNull(),
    attempts: integer().notNull().default(1),
    error: text(),
    payload: jsonb().$type<Record<string, unknown>>().notNull(),
  },
  (t) => [
    check("stripe_events_status_check", sql`${t.status} in ('processing', 'processed', 'ignored', 'failed')`),
    index("stripe_events_status_idx").on(t.status, t.receivedAt, t.id),
  ],
);

export type Subscription = typeof subscriptions.$inferSelect;
export type Invoice = typeof invoices.$inferSelect;
export type StripeEventRow = typeof stripeEvents.$inferSelect;
