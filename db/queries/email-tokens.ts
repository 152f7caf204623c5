import { and, eq, isNull, sql } from "drizzle-orm";
import type { Database } from "../database";
import { type EmailTokenPurpose, emailTokens, type QueuedEmail } from "../schema/email";
import { users } from "../schema/users";
import { ownerProofColumns } from "./users";

/** Lifetimes of emailed tokens. */
export const TOKEN_TTL_MS: Record<EmailTokenPurpose, number> = {
  verify_email: 24 * 3600_000,
  reset_password: 3600_000,
  change_email: 24 * 3600_000,
};

/** Days an emailed token is kept after it expired: long enough to tell "expired" from "unknown" for a while. */
export const EMAIL_TOKEN_RETENTION_DAYS = 7;

/** Deletes emailed tokens that expired more than `days` ago, used or not; for the cron. Returns how many went. */
export async function purgeEmailTokens(db: Database, days = EMAIL_TOKEN_RETENTION_DAYS): Promise<number> {
  const result = await db.execute(
    sql`delete from email_tokens where expires_at < now() - make_interval(days => ${days})`,
  );
  return result.rowCount ?? 0;
}

/**
 * The insert of an emailed token for a known user, for the batch that queues its email:
 * the token has no secret yet; the outbox sender mints it when the email goes out.
 */
export function insertEmailToken(
  db: Database,
  v: { id: string; userId: string; purpose: EmailTokenPurpose; newEmail?: string; sessionId?: string },
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

/**
 * What a change of email must know, in one query: the account's address and name, the owner's
 * proof (ownerProofColumns), and whether the new address belongs to an account already.
 */
export async function findEmailChangeContext(
  db: Database,
  v: { userId: string; sessionId: string; newEmail: string },
) {
  const [row] = await db
    .select({
      email: users.email,
      displayName: users.displayName,
      ...ownerProofColumns(v.sessionId),
      taken: sql<boolean>`exists (select 1 from users o where o.email = ${v.newEmail} and o.id <> ${sql`${users.id}`})`,
    })
    .from(users)
    .where(and(eq(users.id, v.userId), isNull(users.disabledAt)));
  return row;
}

/**
 * The statement that spends a user's outstanding change-of-email links, for the batch that
 * sends a new one: only the newest request can be confirmed (an unsent link is then dropped).
 */
export function spendEmailChangeTokens(db: Database, userId: string) {
  return db.execute(sql`
    update email_tokens set used_at = now()
    where user_id = ${userId}::uuid and purpose = 'change_email' and used_at is null
  `);
}

/**
 * Completes a change of email in one statement when the token is valid, unused and unexpired
 * and its account enabled: moves the account to the new address (verified: it was just
 * proved), spends the account's other emailed links (they went to the old address), revokes
 * every session but the one that asked, audit-logs it and queues the notice to the old address
 * (its params get the display name and the new address here). Undefined when the token does not qualify; a unique
 * violation (the address was taken since) writes nothing and is the caller's to report.
 */
export async function confirmEmailChange(
  db: Database,
  v: { tokenHash: string; outboxId: string; notice: QueuedEmail; ip?: string; userAgent?: string },
) {
  const result = await db.execute<{ user_id: string; email: string; session_ids: string[] }>(sql`
    with t as (
      update email_tokens set used_at = now()
      where token_hash = ${v.tokenHash} and purpose = 'change_email' and used_at is null
        and expires_at > now() and new_email is not null
        and user_id in (select id from users where disabled_at is null)
      returning id, user_id, new_email, session_id
    ),
    old as (
      select users.id, users.email, users.display_name from users join t on users.id = t.user_id
    ),
    u as (
      update users set email = t.new_email, email_verified_at = now(), updated_at = now()
      from t where users.id = t.user_id
      returning users.id, users.email
    ),
    spent as (
      update email_tokens set used_at = now()
      from t where email_tokens.user_id = t.user_id and email_tokens.used_at is null
        and email_tokens.id <> t.id
    ),
    s as (
      update sessions set revoked_at = now()
      from t where sessions.user_id = t.user_id and sessions.revoked_at is null
        and sessions.id is distinct from t.session_id
      returning sessions.id
    ),
    a as (
      insert into audit_logs (actor_id, action, target_type, target_id, ip, user_agent)
      select u.id, 'user.email_changed', 'user', u.id::text, ${v.ip ?? null}, ${v.userAgent ?? null} from u
      union all
      select u.id, 'session.revoked_email_change', 'session', s.id::text, ${v.ip ?? null}, ${v.userAgent ?? null}
      from u, s
    ),
    o as (
      insert into email_outbox (id, user_id, "to", template, params)
      select ${v.outboxId}::uuid, old.id, old.email, ${v.notice.template},
        ${JSON.stringify(v.notice.params)}::jsonb
          || jsonb_build_object('displayName', old.display_name, 'newEmail', u.email)
      from old, u
    )
    select u.id as user_id, u.email, coalesce((select array_agg(s.id::text) from s), '{}') as session_ids from u
  `);
  const row = result.rows[0];
  return row ? { userId: row.user_id, email: row.email, sessionIds: row.session_ids } : undefined;
}
