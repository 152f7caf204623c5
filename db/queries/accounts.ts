import { sql } from "drizzle-orm";
import type { Database } from "../database";
import type { QueuedEmail } from "../schema/email";
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
 * once it is sent, and the purge the row itself. Returns the revoked session ids (for
 * Redis), or undefined if the user was already gone.
 */
export async function deleteAccount(
  db: Database,
  v: { userId: string; outboxId: string; message: QueuedEmail },
): Promise<{ sessionIds: string[] } | undefined> {
  const result = await db.execute<{ session_ids: string[] }>(sql`
    with s as (
      select id from sessions where user_id = ${v.userId} and revoked_at is null
    ),
    scrubbed as (
      update audit_logs set ip = null, user_agent = null where actor_id = ${v.userId}
    ),
    events_scrubbed as (
      -- Stripe events about this customer (or naming this user) keep their ledger row but lose
      -- the personal data their objects carry (emails, names, addresses, invoice links): only
      -- the object's id and kind remain.
      update stripe_events e
      set payload = ${scrubbedPayload(sql`e.payload`)}
      from users u
      where u.id = ${v.userId}
        and ((u.stripe_customer_id is not null
              and (e.payload #>> '{data,object,customer}' = u.stripe_customer_id
                   or e.payload #>> '{data,object,id}' = u.stripe_customer_id))
             or e.payload #>> '{data,object,metadata,userId}' = u.id::text
             or e.payload #>> '{data,object,client_reference_id}' = u.id::text)
    ),
    invoice_links as (
      update invoices i set hosted_invoice_url = null, updated_at = now()
      from users u
      where u.id = ${v.userId} and i.hosted_invoice_url is not null
        and (i.user_id = u.id or i.customer_id = u.stripe_customer_id)
    ),
    o as (
      insert into email_outbox (id, user_id, "to", template, params)
      select ${v.outboxId}::uuid, null, email, ${v.message.template}, ${JSON.stringify(v.message.params)}::jsonb
      from users where id = ${v.userId}
    ),
    d as (
      delete from users where id = ${v.userId} returning id
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
    select coalesce((select array_agg(id::text) from s), '{}') as session_ids from d
  `);
  const row = result.rows[0];
  return row ? { sessionIds: row.session_ids } : undefined;
}
