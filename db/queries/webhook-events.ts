import { and, eq, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import { type Database, renderOnce } from "../database";
import { stripeEvents, type WebhookStatus } from "../schema/billing";
import { type Cursor, newestFirst } from "./keyset";

/** An event as the ledger records it. */
export interface LedgerEvent {
  id: string;
  type: string;
  createdAt: Date;
  payload: Record<string, unknown>;
  /** The payload's JSON text as received, when at hand: stored as it came instead of serialised again. */
  raw?: string;
}

/** A claim left in `processing` this long is taken to have died with its worker and may be claimed again. */
const STALE_CLAIM_SECONDS = 120;

/** The audit entry deleteAccount writes for a Stripe customer it closed (the marker of a deleted customer). */
export const CUSTOMER_DELETED = {
  action: "billing.customer_deleted",
  targetType: "stripe_customer",
} as const;

/** Who an event's object belongs to, as far as a deleted account could be its owner. */
export interface EventOwner {
  /** Its Stripe customer: the object's `customer`, or the object itself when it is a customer. */
  customerId: string | null;
  /** The user its metadata names (an invoice: its subscription's metadata). */
  userId: string | null;
}

/** The string at a path of a parsed JSON value, as `#>>` reads it (anything else is absent). */
function textAt(value: unknown, path: readonly string[]): string | null {
  let at = value;
  for (const key of path)
    at = at !== null && typeof at === "object" ? (at as Record<string, unknown>)[key] : undefined;
  return typeof at === "string" ? at : null;
}

/** The owner of an event's object, read from the verified event (the statement need not parse the payload for it). */
export function ownerOfEvent(payload: Record<string, unknown>): EventOwner {
  const object = (...path: string[]) => textAt(payload, ["data", "object", ...path]);
  return {
    customerId: object("customer") ?? (object("object") === "customer" ? object("id") : null),
    userId: object("metadata", "userId") ?? object("parent", "subscription_details", "metadata", "userId"),
  };
}

/**
 * Whether an event concerns an account deleted here: its customer was closed when an account
 * was deleted (CUSTOMER_DELETED's audit entry), or its metadata names a deleted user; and no
 * user holds the customer now. An unknown customer alone is not enough (it may be another
 * environment's, or a checkout not linked yet). `concerns_deleted_account` of migration 0019,
 * which reads CUSTOMER_DELETED's action and target type as written here.
 */
export function concernsDeletedAccount(owner: { [K in keyof EventOwner]: SQLWrapper | EventOwner[K] }): SQL {
  return sql`concerns_deleted_account(${owner.customerId}, ${owner.userId})`;
}

/**
 * An event payload without personal data: its object keeps only its id and kind (and
 * `scrubbed: true`), and `previous_attributes` goes. What remains of events about a deleted
 * account.
 */
export function scrubbedPayload(payload: SQL): SQL {
  return sql`jsonb_set(${payload}, '{data}', jsonb_build_object('object', jsonb_build_object(
    'id', ${payload} #> '{data,object,id}', 'object', ${payload} #> '{data,object,object}', 'scrubbed', true)))`;
}

/** What the ledger's inserts are given of an event (their statements' placeholders). */
type LedgerValues = { id: string; type: string; createdAt: string; payload: string } & EventOwner;

function ledgerValues(e: LedgerEvent): LedgerValues {
  return {
    id: e.id,
    type: e.type,
    createdAt: e.createdAt.toISOString(),
    payload: e.raw ?? JSON.stringify(e.payload),
    ...ownerOfEvent(e.payload),
  };
}

/** The payload to store for an event (placeholders of LedgerValues): scrubbed when it concerns a deleted account. */
function storedPayload(): SQL {
  const owner = { customerId: sql.placeholder("customerId"), userId: sql.placeholder("userId") };
  // `offset 0` keeps the subquery whole, so the payload is cast to jsonb once and not at each reference.
  return sql`(select case when ${concernsDeletedAccount(owner)} then ${scrubbedPayload(sql`i.p`)} else i.p end
    from (select ${sql.placeholder("payload")}::jsonb as p offset 0) i)`;
}

export type Claim =
  /**
   * This request processes the event (attempt n). `ownerGone`: the event concerns an account
   * deleted here, so its stored payload is scrubbed and it must give no one anything.
   */
  | { outcome: "claimed"; attempts: number; ownerGone: boolean }
  /** Already done (processed or ignored): acknowledge, change nothing. */
  | { outcome: "done" }
  /** Another delivery holds the claim right now. */
  | { outcome: "in-flight" };

/**
 * Claims an event for processing with one insert: a new event, a failed one, or one whose
 * claim went stale is claimed; anything else is a duplicate. Concurrent duplicates serialize
 * on the primary key, so exactly one of them claims. An event about a deleted account is
 * stored scrubbed.
 */
export async function claimEvent(db: Database, e: LedgerEvent): Promise<Claim> {
  const result = await db.execute<{
    attempts: number | null;
    scrubbed: boolean | null;
    existing: WebhookStatus | null;
  }>(claimStatement(ledgerValues(e)));
  const row = result.rows[0];
  if (row?.attempts != null) {
    return { outcome: "claimed", attempts: Number(row.attempts), ownerGone: row.scrubbed === true };
  }
  // Not claimed. A row this statement cannot see was committed by a concurrent claimer.
  return row?.existing === "processed" || row?.existing === "ignored"
    ? { outcome: "done" }
    : { outcome: "in-flight" };
}

const claimStatement = renderOnce<LedgerValues>(
  () => sql`
    with claim as (
      insert into stripe_events as cur (id, type, created_at, status, payload)
      values (${sql.placeholder("id")}, ${sql.placeholder("type")}, ${sql.placeholder("createdAt")}::timestamptz,
        'processing', ${storedPayload()})
      on conflict (id) do update set
        status = 'processing', attempts = cur.attempts + 1, claimed_at = now(), error = null
      where cur.status = 'failed'
        or (cur.status = 'processing' and cur.claimed_at < now() - make_interval(secs => ${STALE_CLAIM_SECONDS}))
      returning attempts, coalesce(payload #> '{data,object,scrubbed}' = 'true'::jsonb, false) as scrubbed
    )
    select (select attempts from claim) as attempts, (select scrubbed from claim) as scrubbed,
      (select status from stripe_events where id = ${sql.placeholder("id")}) as existing
  `,
);

/**
 * The one-batch path's claim (shared/billing/events.ts, processInOneBatch), its batch's first
 * statement: records the event as processed at once, and aborts the batch (division by zero,
 * raised by `claim_event_as_processed` of migration 0019) unless the event was free to claim (new, failed, or its claim stale) and concerns no deleted
 * account. The effects that follow in the batch commit with the mark or not at all, and a
 * concurrent delivery of the event waits on the row until they do.
 */
export function claimAsProcessedStatement(db: Database, e: LedgerEvent) {
  return db.execute(claimAsProcessedSql(ledgerValues(e)));
}

const claimAsProcessedSql = renderOnce<LedgerValues>(
  () => sql`select claim_event_as_processed(${sql.placeholder("id")}, ${sql.placeholder("type")},
    ${sql.placeholder("createdAt")}::timestamptz, ${sql.placeholder("payload")}::jsonb,
    ${sql.placeholder("customerId")}, ${sql.placeholder("userId")}, ${STALE_CLAIM_SECONDS}) as claimed`,
);

/** Records an event type the API does not handle, once (acknowledged, never processed; scrubbed if about a deleted account). */
export async function recordIgnoredEvent(db: Database, e: LedgerEvent) {
  await db.execute(ignoredEventStatement(ledgerValues(e)));
}

const ignoredEventStatement = renderOnce<LedgerValues>(
  () => sql`
    insert into stripe_events (id, type, created_at, status, processed_at, payload)
    values (${sql.placeholder("id")}, ${sql.placeholder("type")}, ${sql.placeholder("createdAt")}::timestamptz,
      'ignored', now(), ${storedPayload()})
    on conflict (id) do nothing
  `,
);

/**
 * The first statement of an event's batch: aborts the batch (division by zero) unless this
 * request still holds the claim (`attempt` is the claim's token). A claim taken over after
 * going stale must not apply its effects a second time.
 */
export function assertClaimStatement(db: Database, id: string, attempt: number) {
  return db.execute(assertClaimSql({ id, attempt }));
}

// The status is read from the row the primary key finds, not filtered on: as a filter the
// planner walks stripe_events_status_idx's 'processing' range instead, which holds a dead
// entry for every event processed since the last vacuum.
const assertClaimSql = renderOnce<{ id: string; attempt: number }>(
  () => sql`
    select 1 / coalesce((select (status = 'processing')::int from stripe_events
                         where id = ${sql.placeholder("id")} and attempts = ${sql.placeholder("attempt")}), 0) as held
  `,
);

/** Marks a claimed event processed; the last statement of the batch that applies its effects. */
export function markEventProcessedStatement(db: Database, id: string, attempt: number) {
  return db.execute(markProcessedSql({ id, attempt }));
}

const markProcessedSql = renderOnce<{ id: string; attempt: number }>(
  () => sql`
    update stripe_events set status = 'processed', processed_at = now(), error = null
    where id = ${sql.placeholder("id")} and attempts = ${sql.placeholder("attempt")}
  `,
);

/** Marks a claimed event failed with a short, client-safe reason (unless the claim passed to another request). */
export async function markEventFailed(db: Database, id: string, attempt: number, error: string) {
  await db
    .update(stripeEvents)
    .set({ status: "failed", error: error.slice(0, 500) })
    .where(
      and(eq(stripeEvents.id, id), eq(stripeEvents.status, "processing"), eq(stripeEvents.attempts, attempt)),
    );
}

/**
 * Claims a failed event for an admin replay; returns its payload, or why not: unknown id, or
 * not failed (processed, ignored or being processed).
 */
export async function claimReplay(
  db: Database,
  id: string,
): Promise<
  | { outcome: "claimed"; event: LedgerEvent; attempts: number }
  | { outcome: "missing" }
  | { outcome: "not-failed"; status: string }
> {
  const result = await db.execute<{
    claimed: boolean;
    attempts: number | null;
    status: string | null;
    type: string | null;
    created_at: string | null;
    payload: Record<string, unknown> | null;
  }>(sql`
    with claim as (
      update stripe_events set status = 'processing', attempts = attempts + 1, claimed_at = now(), error = null
      where id = ${id} and status = 'failed'
      returning type, created_at, payload, attempts
    )
    select exists (select 1 from claim) as claimed, (select attempts from claim) as attempts,
      (select status from stripe_events where id = ${id}) as status,
      (select type from claim) as type, (select created_at from claim) as created_at,
      (select payload from claim) as payload
  `);
  const row = result.rows[0];
  if (!row?.status) return { outcome: "missing" };
  if (!row.claimed || !row.payload || !row.type || !row.created_at) {
    return { outcome: "not-failed", status: row.status };
  }
  return {
    outcome: "claimed",
    event: { id, type: row.type, createdAt: new Date(row.created_at), payload: row.payload },
    attempts: Number(row.attempts),
  };
}

/** One page of the ledger, newest first, optionally of one status. */
export async function listWebhookEvents(
  db: Database,
  v: { status?: WebhookStatus; cursor?: Cursor; limit: number },
) {
  const page = newestFirst(stripeEvents.receivedAt, stripeEvents.id, v.cursor);
  return db
    .select({
      id: stripeEvents.id,
      type: stripeEvents.type,
      createdAt: stripeEvents.createdAt,
      receivedAt: stripeEvents.receivedAt,
      processedAt: stripeEvents.processedAt,
      status: stripeEvents.status,
      attempts: stripeEvents.attempts,
      error: stripeEvents.error,
    })
    .from(stripeEvents)
    .where(and(v.status ? eq(stripeEvents.status, v.status) : undefined, page.after))
    .orderBy(...page.orderBy)
    .limit(v.limit + 1);
}
