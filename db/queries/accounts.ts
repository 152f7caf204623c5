import { sql } from "drizzle-orm";
import type { Database } from "../database";
import type { QueuedEmail } from "../schema/email";
import { soleOwnerWithOthers } from "./users";
import { CUSTOMER_DELETED, scrubbedPayload } from "./webhook-events";

/**
 * Deletes an account and its personal data in one statement: sessions, tokens and queued
 * emails go with the user row (cascade); earlier audit entries keep the action but lose
 * the person (actor, IP, user agent); recorded Stripe events keep only their objects' ids;
 * invoices (kept for accounting) lose their hosted-invoice links; the deletion itself is
 * audit-logged without them, and so is the closing of the Stripe customer (the caller has
 * closed it at Stripe first): that entry is how later events about the customer are known
 * to concern a deleted account (stored scrubbed, subscriptions canceled). The goodbye email
 * is queued unlinked so it survives the delete; the sender drops its recipient and parameters
 * once it is sent, and the purge the row itself. Teams the user is alone in are deleted with
 * it. The patterns the user wrote for teams that remain stay the team's: each passes to the
 * team's longest-standing other owner, with a new change_seq from the team's cursor so members'
 * devices learn of it. While the user is the only owner of a team others belong to, nothing is deleted
 * (`{ soleOwner: true }`; the route checks first, this statement again). Returns the revoked session ids (for Redis), or undefined
 * if the user was already gone.
 */
export async function deleteAccount(
  db: Database,
  v: { userId: string; outboxId: string; message: QueuedEmail },
): Promise<{ sessionIds: string[] } | { soleOwner: true } | undefined> {
  const user = sql`${v.userId}::uuid`;
  const result = await db.execute<{ session_ids: string[] | null; sole_owner: boolean }>(sql`
    with blocked as (
      select exists (select 1 from teams t where ${soleOwnerWithOthers(sql`t.id`, user)}) as sole_owner
    ),
    s as (
      select id from sessions where user_id = ${v.userId} and revoked_at is null
    ),
    scrubbed as (
      update audit_logs set ip = null, user_agent = null
      where actor_id = ${v.userId} and not (select sole_owner from blocked)
    ),
    events_scrubbed as (
      -- Stripe events about this customer (or naming this user) keep their ledger row but lose
      -- the personal data their objects carry (emails, names, addresses, invoice links): only
      -- the object's id and kind remain.
      update stripe_events e
      set payload = ${scrubbedPayload(sql`e.payload`)}
      from users u
      where u.id = ${v.userId} and not (select sole_owner from blocked)
        and ((u.stripe_customer_id is not null
              and (e.payload #>> '{data,object,customer}' = u.stripe_customer_id
                   or e.payload #>> '{data,object,id}' = u.stripe_customer_id))
             or e.payload #>> '{data,object,metadata,userId}' = u.id::text
             or e.payload #>> '{data,object,client_reference_id}' = u.id::text)
    ),
    invoice_links as (
      update invoices i set hosted_invoice_url = null, updated_at = now()
      from users u
      where u.id = ${v.userId} and not (select sole_owner from blocked) and i.hosted_invoice_url is not null
        and (i.user_id = u.id or i.customer_id = u.stripe_customer_id)
    ),
    o as (
      insert into email_outbox (id, user_id, "to", template, params)
      select ${v.outboxId}::uuid, null, email, ${v.message.template}, ${JSON.stringify(v.message.params)}::jsonb
      from users where id = ${v.userId} and not (select sole_owner from blocked)
    ),
    heirs as (
      select p.id, p.team_id,
        (select m.user_id from team_members m
         where m.team_id = p.team_id and m.role = 'owner' and m.user_id <> ${user}
         order by m.created_at, m.user_id limit 1) as heir,
        row_number() over (partition by p.team_id order by p.change_seq) as n
      from patterns p
      where p.user_id = ${user} and p.team_id is not null and not (select sole_owner from blocked)
    ),
    team_cursors as (
      update teams t set pattern_seq = t.pattern_seq + c.n
      from (select team_id, count(*) as n from heirs where heir is not null group by team_id) c
      where t.id = c.team_id
      returning t.id, t.pattern_seq as last_seq, c.n
    ),
    handed_over as (
      -- The delete's cascade runs at the statement's end and finds these no longer the user's.
      update patterns p set user_id = h.heir, change_seq = tc.last_seq - tc.n + h.n, updated_at = now()
      from heirs h join team_cursors tc on tc.id = h.team_id
      where p.id = h.id
    ),
    d as (
      delete from users where id = ${v.userId} and not (select sole_owner from blocked) returning id
    ),
    alone_in as (
      delete from teams t
      where exists (select 1 from d)
        and exists (select 1 from team_members m where m.team_id = t.id and m.user_id = ${user})
        and not exists (select 1 from team_members m where m.team_id = t.id and m.user_id <> ${user})
    ),
    a as (
      insert into audit_logs (actor_id, action, target_type, target_id)
      select null, 'user.deleted', 'user', d.id::text from d
    ),
    customer_closed as (
      insert into audit_logs (actor_id, action, target_type, target_id)
      select null, ${CUSTOMER_DELETED.action}, ${CUSTOMER_DELETED.targetType}, u.stripe_customer_id
      from users u join d on d.id = u.id
      where u.stripe_customer_id is not null
    )
    select (select sole_owner from blocked) as sole_owner,
      (select coalesce((select array_agg(id::text) from s), '{}') from d) as session_ids
  `);
  const row = result.rows[0];
  if (row?.sole_owner) return { soleOwner: true };
  return row?.session_ids ? { sessionIds: row.session_ids } : undefined;
}
