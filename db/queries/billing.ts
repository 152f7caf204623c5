import { and, desc, eq, inArray, notInArray, type SQL, sql } from "drizzle-orm";
import { type Database, renderOnce } from "../database";
import { ENDED_STATUSES, GRACE_STATUS, PLAN_HOLDING_STATUSES, PREMIUM_STATUSES } from "../entitlements";
import { iso } from "../iso";
import { invoices, paymentRefunds, subscriptions } from "../schema/billing";
import { users } from "../schema/users";
import { type Cursor, newestFirst } from "./keyset";

/** A status list as SQL: `('a', 'b')` with each status a bound parameter. */
function statusList(statuses: readonly string[]): SQL {
  return sql`(${sql.join(
    statuses.map((s) => sql`${s}`),
    sql`, `,
  )})`;
}

/** `s.price_id` is a plan's price; false when there are no plans (`in ()` is not SQL). */
function planPrice(planPriceIds: readonly string[]): SQL {
  return planPriceIds.length === 0 ? sql`false` : sql`s.price_id in ${statusList(planPriceIds)}`;
}

/**
 * What checkout needs to know about a user, in one query. Only a subscription to a plan's
 * price holds a plan: another product's subscription on the same customer does not stop
 * the user from buying one.
 */
export async function findBillingAccount(db: Database, userId: string, planPriceIds: readonly string[]) {
  const [row] = await db
    .select({
      email: users.email,
      stripeCustomerId: users.stripeCustomerId,
      activeSubscriptionId: sql<string | null>`(
        select s.id from ${subscriptions} s
        where s.user_id = ${userId} and s.status in ${statusList(PLAN_HOLDING_STATUSES)}
          and ${planPrice(planPriceIds)}
        order by s.event_at desc limit 1)`,
    })
    .from(users)
    .where(eq(users.id, userId));
  return row;
}

/** Saves the user's Stripe customer unless one is already saved; returns the one that is. */
export async function saveStripeCustomer(db: Database, userId: string, customerId: string) {
  const [row] = await db
    .update(users)
    .set({ stripeCustomerId: sql`coalesce(${users.stripeCustomerId}, ${customerId})` })
    .where(eq(users.id, userId))
    .returning({ stripeCustomerId: users.stripeCustomerId });
  return row?.stripeCustomerId ?? undefined;
}

/** The user's Stripe customer id, if any. */
export async function findStripeCustomer(db: Database, userId: string) {
  const [row] = await db
    .select({ stripeCustomerId: users.stripeCustomerId })
    .from(users)
    .where(eq(users.id, userId));
  return row?.stripeCustomerId ?? undefined;
}

/**
 * The user's current plan subscription: the newest one to a plan's price that has not ended
 * (another product's subscription is not this API's to show, cancel or resume).
 */
export async function findCurrentSubscription(db: Database, userId: string, planPriceIds: readonly string[]) {
  const [row] = await db
    .select()
    .from(subscriptions)
    .where(
      and(
        eq(subscriptions.userId, userId),
        notInArray(subscriptions.status, [...ENDED_STATUSES]),
        planPriceIds.length === 0 ? sql`false` : inArray(subscriptions.priceId, [...planPriceIds]),
      ),
    )
    .orderBy(desc(subscriptions.eventAt))
    .limit(1);
  return row;
}

/** One page of the user's invoices, newest first, with what has been refunded of each. */
export async function listInvoices(db: Database, v: { userId: string; cursor?: Cursor; limit: number }) {
  const page = newestFirst(invoices.issuedAt, invoices.id, v.cursor);
  return db
    .select({
      invoice: invoices,
      amountRefunded: sql<number>`coalesce(${paymentRefunds.amountRefunded}, 0)`.mapWith(Number),
    })
    .from(invoices)
    .leftJoin(paymentRefunds, eq(paymentRefunds.paymentIntentId, invoices.paymentIntentId))
    .where(and(eq(invoices.userId, v.userId), page.after))
    .orderBy(...page.orderBy)
    .limit(v.limit + 1);
}

/** A subscription's state as carried by an event, and that event's version. */
export interface SubscriptionState {
  id: string;
  customerId: string;
  /** The user named in the subscription's metadata (used when the customer is not linked yet). */
  userHint: string | null;
  status: string;
  priceId: string | null;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  canceledAt: Date | null;
  endedAt: Date | null;
  eventAt: Date;
  /** Orders events of the same second: created < updated < deleted. */
  eventRank: number;
}

/**
 * Applies a subscription state unless the row already holds a newer one (by event time, then
 * rank) or has ended. The owner is the user linked to the customer, else the metadata's user.
 */
export function upsertSubscriptionStatement(db: Database, s: SubscriptionState) {
  return db.execute(
    upsertSubscriptionSql({
      ...s,
      currentPeriodStart: iso(s.currentPeriodStart),
      currentPeriodEnd: iso(s.currentPeriodEnd),
      canceledAt: iso(s.canceledAt),
      endedAt: iso(s.endedAt),
      eventAt: iso(s.eventAt),
    }),
  );
}

const at = (name: keyof SubscriptionState) => sql.placeholder(name);
const upsertSubscriptionSql = renderOnce<Record<keyof SubscriptionState, unknown>>(
  () => sql`
    insert into subscriptions as cur (id, user_id, customer_id, status, price_id, current_period_start,
      current_period_end, cancel_at_period_end, canceled_at, ended_at, past_due_since, event_at, event_rank)
    values (${at("id")},
      coalesce((select id from users where stripe_customer_id = ${at("customerId")}),
               (select id from users where id = ${at("userHint")}::uuid)),
      ${at("customerId")}, ${at("status")}, ${at("priceId")}, ${at("currentPeriodStart")}::timestamptz,
      ${at("currentPeriodEnd")}::timestamptz, ${at("cancelAtPeriodEnd")},
      ${at("canceledAt")}::timestamptz, ${at("endedAt")}::timestamptz,
      case when ${at("status")} = ${GRACE_STATUS} then ${at("eventAt")}::timestamptz end,
      ${at("eventAt")}::timestamptz, ${at("eventRank")})
    on conflict (id) do update set
      user_id = coalesce(excluded.user_id, cur.user_id),
      status = excluded.status,
      price_id = excluded.price_id,
      current_period_start = excluded.current_period_start,
      current_period_end = excluded.current_period_end,
      cancel_at_period_end = excluded.cancel_at_period_end,
      canceled_at = excluded.canceled_at,
      ended_at = excluded.ended_at,
      past_due_since = case when excluded.status = ${GRACE_STATUS}
        then coalesce(cur.past_due_since, excluded.past_due_since) end,
      event_at = excluded.event_at,
      event_rank = excluded.event_rank,
      updated_at = now()
    where (cur.event_at, cur.event_rank) <= (excluded.event_at, excluded.event_rank)
      and cur.status not in ${statusList(ENDED_STATUSES)}
  `,
);

/**
 * Locks the user a billing event concerns, as the first statement of its batch: concurrent
 * events for one user then apply one after the other, and each recomputes the tier from what
 * the previous one committed (a later statement of a batch sees earlier commits).
 */
export function lockUserStatement(
  db: Database,
  owner: { userId: string } | { customerId: string; userHint: string | null },
) {
  return db.execute(
    "userId" in owner
      ? lockUserSql({ userId: owner.userId })
      : lockCustomerOwnerSql({ customerId: owner.customerId, userHint: owner.userHint }),
  );
}

const lockUserSql = renderOnce<{ userId: string }>(
  () => sql`select id from users where id = ${sql.placeholder("userId")}::uuid for update`,
);
const lockCustomerOwnerSql = renderOnce<{ customerId: string; userHint: string | null }>(
  () => sql`select id from users where id = coalesce(
    (select id from users where stripe_customer_id = ${sql.placeholder("customerId")}),
    ${sql.placeholder("userHint")}::uuid) for update`,
);

/**
 * The entitlement rule of db/entitlements.ts (entitlesPremium) as SQL, for the grace cron:
 * `entitles_premium` (migration 0019) with the rule's statuses, and the configured plans'
 * prices (a text[]) and grace period in seconds.
 */
function entitlesPremium(userId: SQL, planPriceIds: unknown, graceSeconds: unknown): SQL {
  return sql`entitles_premium(${userId}, ${planPriceIds}::text[], ${sql.param(PREMIUM_STATUSES)}::text[],
    ${GRACE_STATUS}, ${graceSeconds})`;
}

/** What the entitlement rule needs from the configuration: the grace period and the plans' prices. */
export interface EntitlementRule {
  graceSeconds: number;
  planPriceIds: readonly string[];
}

/** Who a tier recomputation is for: the owner of a subscription, or one user. */
export type TierTarget = { subscriptionId: string } | { userId: string };

/**
 * Sets the tier the user's subscriptions entitle them to (db/entitlements.ts) and audit-logs a
 * change: `recompute_tier` of migration 0019, whose plans PostgreSQL keeps per connection (a
 * webhook delivery's costliest statement to plan as text). No-op when the tier is already
 * right or the subscription has no user.
 */
export function recomputeTierStatement(
  db: Database,
  target: TierTarget,
  v: EntitlementRule & { reason: Record<string, unknown> },
) {
  const values = {
    planPriceIds: v.planPriceIds,
    graceSeconds: v.graceSeconds,
    reason: JSON.stringify(v.reason),
  };
  return db.execute(
    "userId" in target
      ? recomputeUserTierSql({ ...values, userId: target.userId })
      : recomputeSubscriptionOwnerTierSql({ ...values, subscriptionId: target.subscriptionId }),
  );
}

type TierValues = { planPriceIds: readonly string[]; graceSeconds: number; reason: string };

/** The tier recomputation for the user `owner` names, rendered once (placeholders of TierValues). */
function recomputeTierSql(owner: SQL): SQL {
  // The plans' prices travel as one array: the statement's text does not depend on how many there are.
  return sql`select recompute_tier(${owner}, ${sql.placeholder("planPriceIds")}::text[],
    ${sql.param(PREMIUM_STATUSES)}::text[], ${GRACE_STATUS}, ${sql.placeholder("graceSeconds")},
    ${sql.placeholder("reason")}::jsonb)`;
}

const recomputeUserTierSql = renderOnce<TierValues & { userId: string }>(() =>
  recomputeTierSql(sql`${sql.placeholder("userId")}::uuid`),
);
const recomputeSubscriptionOwnerTierSql = renderOnce<TierValues & { subscriptionId: string }>(() =>
  recomputeTierSql(sql`(select user_id from subscriptions where id = ${sql.placeholder("subscriptionId")})`),
);

/**
 * Users whose past_due grace has run out while still premium: downgraded (cron), each with an
 * audit entry. One batch: the first statement locks them (waiting for any event being applied
 * to them), the second decides again on what is committed by then. Returns how many.
 */
export async function expirePastDueGrace(db: Database, rule: EntitlementRule) {
  // Premium users with a past_due subscription that no longer entitle them (comped premium
  // without any subscription is left alone).
  const lapsed = sql`u.tier = 'premium'
    and exists (select 1 from subscriptions s where s.user_id = u.id and s.status = ${GRACE_STATUS})
    and not ${entitlesPremium(sql`u.id`, sql.param(rule.planPriceIds), rule.graceSeconds)}`;
  const [, changed] = await db.batch([
    db.execute(sql`select u.id from users u where ${lapsed} for update`),
    db.execute<{ id: string }>(sql`
      with changed as (
        update users u set tier = 'free', updated_at = now() where ${lapsed} returning u.id
      ),
      audited as (
        insert into audit_logs (actor_id, action, target_type, target_id, metadata)
        select null, 'billing.tier_changed', 'user', c.id::text, '{"tier":"free","reason":"past_due grace ended"}'::jsonb
        from changed c
      )
      select id from changed
    `),
  ]);
  return changed.rows.length;
}

/** An invoice's state as carried by an `invoice.*` event. */
export interface InvoiceState {
  id: string;
  customerId: string;
  subscriptionId: string | null;
  number: string | null;
  status: string;
  currency: string;
  amountDue: number;
  amountPaid: number;
  hostedInvoiceUrl: string | null;
  paymentIntentId: string | null;
  periodStart: Date | null;
  periodEnd: Date | null;
  issuedAt: Date;
  eventAt: Date;
  /** Orders events of the same second: payment_failed < paid. */
  eventRank: number;
}

/** Applies an invoice state unless the row already holds a newer one. */
export function upsertInvoiceStatement(db: Database, i: InvoiceState) {
  return db.execute(sql`
    insert into invoices as cur (id, user_id, customer_id, subscription_id, number, status, currency,
      amount_due, amount_paid, hosted_invoice_url, payment_intent_id, period_start, period_end,
      issued_at, event_at, event_rank)
    values (${i.id}, (select id from users where stripe_customer_id = ${i.customerId}), ${i.customerId},
      ${i.subscriptionId}, ${i.number}, ${i.status}, ${i.currency}, ${i.amountDue}, ${i.amountPaid},
      ${i.hostedInvoiceUrl}, ${i.paymentIntentId}, ${iso(i.periodStart)}::timestamptz,
      ${iso(i.periodEnd)}::timestamptz, ${iso(i.issuedAt)}::timestamptz, ${iso(i.eventAt)}::timestamptz,
      ${i.eventRank})
    on conflict (id) do update set
      user_id = coalesce(excluded.user_id, cur.user_id),
      number = excluded.number,
      status = excluded.status,
      amount_due = excluded.amount_due,
      amount_paid = excluded.amount_paid,
      hosted_invoice_url = excluded.hosted_invoice_url,
      payment_intent_id = coalesce(excluded.payment_intent_id, cur.payment_intent_id),
      period_start = excluded.period_start,
      period_end = excluded.period_end,
      event_at = excluded.event_at,
      event_rank = excluded.event_rank,
      updated_at = now()
    where (cur.event_at, cur.event_rank) <= (excluded.event_at, excluded.event_rank)
  `);
}

/** Raises the refunded amount of a payment (Stripe reports the running total, so only ever up). */
export function raiseRefundStatement(db: Database, paymentIntentId: string, amountRefunded: number) {
  return db
    .insert(paymentRefunds)
    .values({ paymentIntentId, amountRefunded })
    .onConflictDoUpdate({
      target: paymentRefunds.paymentIntentId,
      set: {
        amountRefunded: sql`greatest(${paymentRefunds.amountRefunded}, excluded.amount_refunded)`,
        updatedAt: sql`now()`,
      },
    });
}

/**
 * After checkout: links the customer to the user when no customer is linked yet, and gives the
 * user any subscription of that customer that arrived before the link.
 */
export function linkCustomerStatements(db: Database, userId: string, customerId: string) {
  return [
    db.execute(sql`
      update users set stripe_customer_id = ${customerId}
      where id = ${userId} and stripe_customer_id is null
        and not exists (select 1 from users where stripe_customer_id = ${customerId})
    `),
    db.execute(sql`
      update subscriptions set user_id = ${userId}
      where customer_id = ${customerId} and user_id is null
        and exists (select 1 from users where id = ${userId} and stripe_customer_id = ${customerId})
    `),
    db.execute(sql`
      update invoices set user_id = ${userId}
      where customer_id = ${customerId} and user_id is null
        and exists (select 1 from users where id = ${userId} and stripe_customer_id = ${customerId})
    `),
  ] as const;
}

/** An invoice's payment and owner, for an admin refund. */
export async function findInvoiceForRefund(db: Database, invoiceId: string) {
  const [row] = await db
    .select({
      id: invoices.id,
      userId: invoices.userId,
      status: invoices.status,
      paymentIntentId: invoices.paymentIntentId,
    })
    .from(invoices)
    .where(eq(invoices.id, invoiceId));
  return row;
}
