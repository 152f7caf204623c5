import { sql } from "drizzle-orm";
import type { Database } from "../database";
import { type EmailTokenPurpose, emailTokens, type QueuedEmail } from "../schema/email";

/** Lifetimes of emailed tokens. */
export const TOKEN_TTL_MS: Record<EmailTokenPurpose, number> = {
  verify_email: 24 * 3600_000,
  reset_password: 3600_000,
};

/**
 * The insert of an emailed token for a known user, for the batch that queues its email:
 * the token has no secret yet; the outbox sender mints it when the email goes out.
 */
export function insertEmailToken(
  db: Database,
  v: { id: string; userId: string; purpose: EmailTokenPurpose },
) {
  return db.insert(emailTokens).values({ ...v, expiresAt: new Date(Date.now() + TOKEN_TTL_MS[v.purpose]) });
}

/**
 * Starts a password reset for whoever owns `email`, if anyone: the token (its secret is
 * minted when the email is sent) and the queued email go in one statement that writes
 * nothing when the address is unknown. Returns whether it did.
 */
export async function startPasswordReset(
  db: Database,
  v: { email: string; tokenId: string; outboxId: string; message: QueuedEmail },
): Promise<boolean> {
  const expires = new Date(Date.now() + TOKEN_TTL_MS.reset_password).toISOString();
  const result = await db.execute<{ id: string }>(sql`
    with u as (select id, email from users where email = ${v.email} and disabled_at is null),
    t as (
      insert into email_tokens (id, user_id, purpose, expires_at)
      select ${v.tokenId}::uuid, u.id, 'reset_password', ${expires}::timestamptz from u
      returning id
    ),
    o as (
      insert into email_outbox (id, user_id, "to", template, params, token_id)
      select ${v.outboxId}::uuid, u.id, u.email, ${v.message.template}, ${JSON.stringify(v.message.params)}::jsonb, t.id
      from u, t
    )
    select id from u
  `);
  return result.rows.length > 0;
}

/** Marks the email verified if the token is valid and unused; returns the user id, or undefined. */
export async function consumeVerifyToken(
  db: Database,
  tokenHash: string,
  meta: { ip?: string; userAgent?: string },
) {
  const result = await db.execute<{ id: string }>(sql`
    with t as (
      update email_tokens set used_at = now()
      where token_hash = ${tokenHash} and purpose = 'verify_email' and used_at is null and expires_at > now()
      returning user_id
    ),
    u as (
      update users set email_verified_at = coalesce(email_verified_at, now()), updated_at = now()
      from t where users.id = t.user_id
      returning users.id
    ),
    a as (
      insert into audit_logs (actor_id, action, target_type, target_id, ip, user_agent)
      select u.id, 'user.email_verified', 'user', u.id::text, ${meta.ip ?? null}, ${meta.userAgent ?? null} from u
    )
    select id from u
  `);
  return result.rows[0]?.id;
}

/**
 * Completes a password reset in one statement: uses the token and every other outstanding
 * reset token of the user, sets the new hash, revokes every session, audit-logs it and
 * queues the "password changed" email. Returns the user id and the revoked session ids, or
 * undefined when the token is invalid, used or expired.
 */
export async function completePasswordReset(
  db: Database,
  v: {
    tokenHash: string;
    passwordHash: string;
    outboxId: string;
    message: QueuedEmail;
    ip?: string;
    userAgent?: string;
  },
) {
  const result = await db.execute<{ user_id: string; session_ids: string[] }>(sql`
    with t as (
      update email_tokens set used_at = now()
      where token_hash = ${v.tokenHash} and purpose = 'reset_password' and used_at is null and expires_at > now()
      returning id, user_id
    ),
    u as (
      update users set password_hash = ${v.passwordHash}, updated_at = now()
      from t where users.id = t.user_id
      returning users.id, users.email
    ),
    other_links as (
      -- Every other outstanding reset token, including those whose email is still queued
      -- (no hash yet): the sender then drops that email instead of minting a live link.
      update email_tokens set used_at = now()
      from u where email_tokens.user_id = u.id and email_tokens.purpose = 'reset_password'
        and email_tokens.used_at is null and email_tokens.id <> (select id from t)
    ),
    s as (
      update sessions set revoked_at = now()
      from u where sessions.user_id = u.id and sessions.revoked_at is null
      returning sessions.id
    ),
    a as (
      insert into audit_logs (actor_id, action, target_type, target_id, ip, user_agent)
      select u.id, 'auth.password_reset', 'user', u.id::text, ${v.ip ?? null}, ${v.userAgent ?? null} from u
    ),
    o as (
      insert into email_outbox (id, user_id, "to", template, params)
      select ${v.outboxId}::uuid, u.id, u.email, ${v.message.template}, ${JSON.stringify(v.message.params)}::jsonb
      from u
    )
    select u.id as user_id, coalesce((select array_agg(s.id::text) from s), '{}') as session_ids from u
  `);
  const row = result.rows[0];
  return row ? { userId: row.user_id, sessionIds: row.session_ids } : undefined;
}
