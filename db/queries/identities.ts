import { and, eq, inArray, or, sql } from "drizzle-orm";
import type { Database } from "../database";
import type { QueuedEmail } from "../schema/email";
import { identities, type OAuthProvider } from "../schema/identities";
import { users } from "../schema/users";
import { hasSecondFactorSql } from "./mfa-factors";
import { hasPasswordColumn, NO_PASSWORD, profileColumns } from "./users";

/** A provider account, as the callback read it from the provider. */
export interface ProviderAccount {
  provider: OAuthProvider;
  providerUserId: string;
  /** Normalized (trimmed, lowercased); undefined when the provider gave none. */
  email: string | undefined;
}

/**
 * The users an OAuth sign-in may concern, in one query: the user this provider account is
 * linked to (`linked`), and the user holding the same email, if any. At most two rows.
 */
export async function findOAuthCandidates(db: Database, account: ProviderAccount) {
  const linkedUser = db
    .select({ id: identities.userId })
    .from(identities)
    .where(
      and(eq(identities.provider, account.provider), eq(identities.providerUserId, account.providerUserId)),
    );
  const isLinked = inArray(users.id, linkedUser);
  return db
    .select({
      ...profileColumns,
      disabledAt: users.disabledAt,
      linked: sql<boolean>`${isLinked}`.mapWith(Boolean),
      mfaEnabled: hasSecondFactorSql,
    })
    .from(users)
    .where(account.email ? or(isLinked, eq(users.email, account.email)) : isLinked)
    .limit(2);
}

/** The insert linking a provider account to a user (a primary key violation means it is linked already). */
export function insertIdentity(db: Database, userId: string, account: ProviderAccount) {
  return db.insert(identities).values({
    userId,
    provider: account.provider,
    providerUserId: account.providerUserId,
    email: account.email ?? null,
  });
}

/** The insert of an account created through a provider, verified when the provider vouches for the email. */
export function insertOAuthUser(
  db: Database,
  values: { id: string; email: string; displayName: string; emailVerified: boolean },
) {
  return db
    .insert(users)
    .values({
      id: values.id,
      email: values.email,
      displayName: values.displayName,
      passwordHash: NO_PASSWORD,
      emailVerifiedAt: values.emailVerified ? sql`now()` : null,
    })
    .returning(profileColumns);
}

/**
 * A user's linked identities and whether the account has a password, in one query (the
 * account page, and the checks before linking). Undefined when the user does not exist.
 */
export async function listSignInMethods(db: Database, userId: string) {
  const rows = await db
    .select({
      hasPassword: hasPasswordColumn(),
      provider: identities.provider,
      email: identities.email,
      linkedAt: identities.createdAt,
    })
    .from(users)
    .leftJoin(identities, eq(identities.userId, users.id))
    .where(eq(users.id, userId))
    .orderBy(identities.createdAt);
  const [first] = rows;
  if (!first) return undefined;
  return {
    hasPassword: first.hasPassword,
    identities: rows.flatMap((r) =>
      r.provider && r.linkedAt ? [{ provider: r.provider, email: r.email, linkedAt: r.linkedAt }] : [],
    ),
  };
}

/**
 * What linking a provider account to a signed-in user must know, in one query: the user (for
 * the notice), whether the session that started linking is still live, who holds this provider
 * account already, and whether the user has another account of this provider.
 */
export async function findLinkTarget(
  db: Database,
  v: { userId: string; sessionId: string; account: ProviderAccount },
) {
  const result = await db.execute<{
    email: string;
    display_name: string;
    disabled: boolean;
    session_live: boolean;
    holder_id: string | null;
    has_provider: boolean;
  }>(sql`
    select u.email, u.display_name, u.disabled_at is not null as disabled,
      exists (
        select 1 from sessions s
        where s.id = ${v.sessionId}::uuid and s.user_id = u.id and s.revoked_at is null and s.expires_at > now()
      ) as session_live,
      (select i.user_id from identities i
        where i.provider = ${v.account.provider} and i.provider_user_id = ${v.account.providerUserId}) as holder_id,
      exists (select 1 from identities i where i.user_id = u.id and i.provider = ${v.account.provider}) as has_provider
    from users u where u.id = ${v.userId}::uuid
  `);
  const row = result.rows[0];
  return row
    ? {
        email: row.email,
        displayName: row.display_name,
        disabled: row.disabled,
        sessionLive: row.session_live,
        holderId: row.holder_id,
        hasProvider: row.has_provider,
      }
    : undefined;
}

/** What unlinking did: `unlinked`, `last` (refused: the only way left to sign in) or `none` (not linked). */
export type UnlinkOutcome = { outcome: "unlinked"; email: string } | { outcome: "last" | "none" };

/**
 * Unlinks the user's account of a provider in one statement, unless it is the last way to sign
 * in (no password and no other identity): audit-logs it and queues the notice, whose params get
 * the user's display name here.
 */
export async function unlinkIdentity(
  db: Database,
  v: {
    userId: string;
    provider: OAuthProvider;
    outboxId: string;
    notice: QueuedEmail;
    ip?: string;
    userAgent?: string;
  },
): Promise<UnlinkOutcome> {
  const result = await db.execute<{ outcome: "unlinked" | "last" | "none"; email: string }>(sql`
    with u as (
      select id, email, display_name, password_hash <> ${NO_PASSWORD} as has_password,
        (select count(*) from identities where user_id = users.id and provider <> ${v.provider}) as others
      from users where id = ${v.userId}::uuid
    ),
    target as (
      select i.provider, i.provider_user_id from identities i, u
      where i.user_id = u.id and i.provider = ${v.provider}
    ),
    gone as (
      delete from identities i using target t, u
      where i.provider = t.provider and i.provider_user_id = t.provider_user_id
        and (u.has_password or u.others > 0)
      returning i.provider, i.provider_user_id
    ),
    a as (
      insert into audit_logs (actor_id, action, target_type, target_id, metadata, ip, user_agent)
      select u.id, 'auth.identity_unlinked', 'identity', g.provider || ':' || g.provider_user_id,
        jsonb_build_object('provider', g.provider), ${v.ip ?? null}, ${v.userAgent ?? null}
      from gone g, u
    ),
    o as (
      insert into email_outbox (id, user_id, "to", template, params)
      select ${v.outboxId}::uuid, u.id, u.email, ${v.notice.template},
        ${JSON.stringify(v.notice.params)}::jsonb || jsonb_build_object('displayName', u.display_name)
      from u where exists (select 1 from gone)
    )
    select u.email,
      case when exists (select 1 from gone) then 'unlinked'
           when exists (select 1 from target) then 'last'
           else 'none' end as outcome
    from u
  `);
  const row = result.rows[0];
  if (!row || row.outcome === "none") return { outcome: "none" };
  return row.outcome === "unlinked" ? { outcome: "unlinked", email: row.email } : { outcome: "last" };
}
