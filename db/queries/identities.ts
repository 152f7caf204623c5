import { and, eq, inArray, or, sql } from "drizzle-orm";
import type { Database } from "../database";
import { identities, type OAuthProvider } from "../schema/identities";
import { users } from "../schema/users";
import { hasSecondFactorSql } from "./mfa-factors";
import { profileColumns } from "./users";

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

/**
 * Stored instead of a password hash for accounts created through a provider: no password
 * verifies against it (shared/crypto.ts reads only `$scrypt$` hashes); a reset sets a real one.
 */
export const NO_PASSWORD = "!no-password";

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
