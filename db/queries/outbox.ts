import { sql } from "drizzle-orm";
import type { Database } from "../database";
import { type EmailParams, emailOutbox, type QueuedEmail } from "../schema/email";

/** A delivery pass gives up on an email after this many attempts. */
export const MAX_ATTEMPTS = 10;

/** Sent emails (and those given up on) are purged this many days later. */
export const OUTBOX_RETENTION_DAYS = 7;

/** The insert of an email into the outbox, for the batch of the action that sends it. */
export function insertOutbox(
  db: Database,
  values: {
    id: string;
    userId: string | null;
    to: string;
    email: QueuedEmail;
    tokenId?: string;
    invitationId?: string;
  },
) {
  const { email, ...rest } = values;
  return db.insert(emailOutbox).values({ ...rest, template: email.template, params: email.params });
}

/** An email claimed for sending, and what became of the link it carries. */
export type ClaimedEmail = {
  id: string;
  to: string | null;
  template: string;
  params: EmailParams | null;
  /** 1-based: the claim's hash (and so the caller's secret) at this position is the link's. */
  slot: number;
  /**
   * `minted`: its token (or team invitation) now has the slot's hash; `dead`: its token was used
   * or expired, or its invitation accepted, revoked or expired; `none`: no link.
   */
  link: "minted" | "dead" | "none";
};

/**
 * Claims due emails (among `ids` when given) for one delivery pass and mints their links, in
 * one statement: each claimed row is counted as an attempt and pushed to its back-off time,
 * so a concurrent pass skips it, and the token of the row in slot n gets `hashes[n-1]` if it
 * is still unused and unexpired (a team invitation: still pending and unexpired). Claims at
 * most `hashes.length` rows. The secrets behind the hashes stay with the caller: the database
 * never sees them.
 */
export async function claimDue(
  db: Database,
  v: { ids?: string[]; hashes: string[] },
): Promise<ClaimedEmail[]> {
  if (v.hashes.length === 0) return [];
  const among = v.ids ? sql`and id = any(${sql.param(v.ids)}::uuid[])` : sql``;
  const result = await db.execute<ClaimedEmail>(sql`
    with due as (
      select id from email_outbox
      where sent_at is null and attempts < ${MAX_ATTEMPTS} and next_attempt_at <= now() ${among}
      order by next_attempt_at, id
      limit ${v.hashes.length}
      for update skip locked
    ),
    claimed as (
      update email_outbox o set
        attempts = o.attempts + 1,
        next_attempt_at = now() + make_interval(mins => least(60, power(2, o.attempts)::int))
      from due where o.id = due.id
      returning o.id, o."to", o.template, o.params, o.token_id, o.invitation_id
    ),
    slotted as (
      select c.*, (row_number() over (order by c.id))::int as slot from claimed c
    ),
    minted as (
      update email_tokens t set token_hash = (${sql.param(v.hashes)}::text[])[s.slot]
      from slotted s
      where t.id = s.token_id and t.used_at is null and t.expires_at > now()
      returning t.id
    ),
    invited as (
      update team_invitations i set token_hash = (${sql.param(v.hashes)}::text[])[s.slot]
      from slotted s
      where i.id = s.invitation_id and i.accepted_at is null and i.revoked_at is null and i.expires_at > now()
      returning i.id
    )
    select s.id, s."to", s.template, s.params, s.slot,
      case
        when s.token_id is null and s.invitation_id is null then 'none'
        when exists (select 1 from minted m where m.id = s.token_id) then 'minted'
        when exists (select 1 from invited i where i.id = s.invitation_id) then 'minted'
        else 'dead'
      end as link
    from slotted s
  `);
  return result.rows;
}

/** What one delivery did: sent, failed (kept for a retry), or dropped (its link died unsent). */
export type Delivery = { id: string; error?: string; dropped?: boolean };

/**
 * Records the outcome of one delivery pass in one statement. A sent row keeps no parameters,
 * and one of a deleted account (no `user_id`) no recipient either; a failed row keeps them
 * and its error for the retry its claim scheduled; a dropped row is deleted.
 */
export async function recordDeliveries(db: Database, results: Delivery[]) {
  if (results.length === 0) return;
  const values = sql.join(
    results.map((r) => sql`(${r.id}::uuid, ${r.error ?? null}::text, ${r.dropped ?? false}::boolean)`),
    sql`, `,
  );
  await db.execute(sql`
    with r (id, error, dropped) as (values ${values}),
    dropped as (
      delete from email_outbox o using r where o.id = r.id and r.dropped
    )
    update email_outbox o set
      sent_at = case when r.error is null then now() end,
      last_error = r.error,
      params = case when r.error is null then null else o.params end,
      "to" = case when r.error is null and o.user_id is null then null else o."to" end
    from r
    where o.id = r.id and not r.dropped
  `);
}

/**
 * Deletes outbox rows past retention: sent ones `days` after sending, and those given up on
 * `days` after they were queued. Returns how many went.
 */
export async function purgeOutbox(db: Database, days = OUTBOX_RETENTION_DAYS): Promise<number> {
  const result = await db.execute(sql`
    delete from email_outbox
    where sent_at < now() - make_interval(days => ${days})
      or (sent_at is null and attempts >= ${MAX_ATTEMPTS} and created_at < now() - make_interval(days => ${days}))
  `);
  return result.rowCount ?? 0;
}
