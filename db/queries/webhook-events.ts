import { and, eq, sql } from "drizzle-orm";
import type { Database } from "../database";
import { stripeEvents, type WebhookStatus } from "../schema/billing";
import { type Cursor, newestFirst } from "./keyset";

/** An event as the ledger records it. */
export interface LedgerEvent {
  id: string;
  type: string;
  createdAt: Date;
  payload: Record<string, unknown>;
}

/** A claim left in `processing` this long is taken to have died with its worker and may be claimed again. */
const STALE_CLAIM_SECONDS = 120;

export type Claim =
  /** This request processes the event (attempt n). */
  | { outcome: "claimed"; attempts: number }
  /** Already done (processed or ignored): acknowledge, change nothing. */
  | { outcome: "done" }
  /** Another delivery holds the claim right now. */
  | { outcome: "in-flight" };

/**
 * Claims an event for processing with one insert: a new event, a failed one, or one whose
 * claim went stale is claimed; anything else is a duplicate. Concurrent duplicates serialize
 * on the primary key, so exactly one of them claims.
 */
export async function claimEvent(db: Database, e: LedgerEvent): Promise<Claim> {
  const result = await db.execute<{ attempts: number | null; existing: WebhookStatus | null }>(sql`
    with claim as (
      insert into stripe_events as cur (id, type, created_at, status, payload)
      values (${e.id}, ${e.type}, ${e.createdAt.toISOString()}::timestamptz, 'processing', ${JSON.stringify(e.payload)}::jsonb)
      on conflict (id) do update set
        status = 'processing', attempts = cur.attempts + 1, claimed_at = now(), error = null
      where cur.status = 'failed'
        or (cur.status = 'processing' and cur.claimed_at < now() - make_interval(secs => ${STALE_CLAIM_SECONDS}))
      returning attempts
    )
    select (select attempts from claim) as attempts,
      (select status from stripe_events where id = ${e.id}) as existing
  `);
  const row = result.rows[0];
  if (row?.attempts != null) return { outcome: "claimed", attempts: Number(row.attempts) };
  // Not claimed. A row this statement cannot see was committed by a concurrent claimer.
  return row?.existing === "processed" || row?.existing === "ignored"
    ? { outcome: "done" }
    : { outcome: "in-flight" };
}

/** Records an event type the API does not handle, once (acknowledged, never processed). */
export async function recordIgnoredEvent(db: Database, e: LedgerEvent) {
  await db
    .insert(stripeEvents)
    .values({ ...e, status: "ignored", processedAt: sql`now()` })
    .onConflictDoNothing({ target: stripeEvents.id });
}

/**
 * The first statement of an event's batch: aborts the batch (division by zero) unless this
 * request still holds the claim (`attempt` is the claim's token). A claim taken over after
 * going stale must not apply its effects a second time.
 */
export function assertClaimStatement(db: Database, id: string, attempt: number) {
  return db.execute(sql`
    select 1 / (select count(*)::int from stripe_events
                where id = ${id} and status = 'processing' and attempts = ${attempt}) as held
  `);
}

/** Marks a claimed event processed; the last statement of the batch that applies its effects. */
export function markEventProcessedStatement(db: Database, id: string, attempt: number) {
  return db
    .update(stripeEvents)
    .set({ status: "processed", processedAt: sql`now()`, error: null })
    .where(and(eq(stripeEvents.id, id), eq(stripeEvents.attempts, attempt)));
}

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
