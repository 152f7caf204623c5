import { eq, type SQL, sql } from "drizzle-orm";
import { type Database, prepareOnce } from "../database";
import { type User, users } from "../schema/users";
import { hasSecondFactorSql } from "./mfa-factors";

/** Columns a user may see about themselves. */
export const profileColumns = {
  id: users.id,
  email: users.email,
  displayName: users.displayName,
  avatarUrl: users.avatarUrl,
  role: users.role,
  tier: users.tier,
  emailVerifiedAt: users.emailVerifiedAt,
  createdAt: users.createdAt,
  updatedAt: users.updatedAt,
};

export type Profile = Pick<User, keyof typeof profileColumns>;

/**
 * Stored instead of a password hash for accounts created through a provider: no password
 * verifies against it (shared/crypto.ts reads only `$scrypt$` hashes); a reset sets a real one.
 */
export const NO_PASSWORD = "!no-password";

/** Whether the account has a password (one made through a provider has none until a reset), as a select field. */
export function hasPasswordColumn() {
  return sql<boolean>`${users.passwordHash} <> ${NO_PASSWORD}`.mapWith(Boolean);
}

/**
 * What proves the owner of a signed-in account (shared/auth/owner-proof.ts), as columns of a
 * select from users: its password hash, whether it has a password, and how long ago the
 * request's session signed in (null when the session is not the user's).
 */
export function ownerProofColumns(sessionId: string) {
  // Nested, so drizzle names the table: a column at a select field's top level is rendered bare
  // ("id"), which inside the subquery would be the session's id.
  const userId = sql`${users.id}`;
  return {
    hash: users.passwordHash,
    hasPassword: hasPasswordColumn(),
    signedInSecondsAgo: sql<number | null>`(select extract(epoch from now() - s.created_at)::int
      from sessions s where s.id = ${sessionId}::uuid and s.user_id = ${userId})`,
  };
}

/** What sign-in needs to know about an account, found by its (normalized) email. */
export async function findUserForSignin(db: Database, email: string) {
  const [user] = await db
    .select({
      ...profileColumns,
      passwordHash: users.passwordHash,
      disabledAt: users.disabledAt,
      /** Whether a password alone no longer signs in: a second factor (TOTP or a passkey) is active. */
      mfaEnabled: hasSecondFactorSql,
    })
    .from(users)
    .where(eq(users.email, email))
    .limit(1);
  return user;
}

/** The insert of a new account (a unique violation on email means it is taken). */
export function insertUser(
  db: Database,
  values: { id: string; email: string; passwordHash: string; displayName: string },
) {
  return db.insert(users).values(values).returning(profileColumns);
}

/** Replaces the password hash, e.g. when its parameters are raised. */
export function updatePasswordHash(db: Database, userId: string, passwordHash: string) {
  return db.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, userId));
}

const profileStatement = prepareOnce((db) =>
  db
    .select(profileColumns)
    .from(users)
    .where(eq(users.id, sql.placeholder("userId")))
    .limit(1)
    .prepare("find_profile"),
);

/** A user's own profile (GET /api/me on every app start: a statement prepared once per isolate). */
export async function findProfile(db: Database, userId: string): Promise<Profile | undefined> {
  const [profile] = await profileStatement(db).execute({ userId });
  return profile;
}

/** Updates the fields a user may change about themselves. */
export async function updateProfile(
  db: Database,
  userId: string,
  patch: { displayName?: string; avatarUrl?: string | null },
): Promise<Profile | undefined> {
  const [profile] = await db
    .update(users)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(users.id, userId))
    .returning(profileColumns);
  return profile;
}

/** What deleting an account needs: the owner's proof (ownerProofColumns), the name for the goodbye email, the Stripe customer. */
export async function findAccountForDeletion(db: Database, userId: string, sessionId: string) {
  const [user] = await db
    .select({
      email: users.email,
      ...ownerProofColumns(sessionId),
      displayName: users.displayName,
      stripeCustomerId: users.stripeCustomerId,
      soleOwnerOf: sql<string[]>`coalesce((
        select array_agg(t.name order by t.name) from teams t where ${soleOwnerWithOthers(sql`t.id`, sql`${users.id}`)}
      ), '{}')`,
    })
    .from(users)
    .where(eq(users.id, userId));
  return user;
}

/**
 * True when the user is the team's only owner and others belong to it: deleting the account
 * would leave them a team nobody runs, so it waits until ownership is handed over (or the team
 * is deleted). A team the user is alone in goes with the account.
 */
export function soleOwnerWithOthers(teamId: SQL, userId: SQL): SQL {
  return sql`exists (select 1 from team_members m where m.team_id = ${teamId} and m.user_id = ${userId} and m.role = 'owner')
    and not exists (select 1 from team_members o where o.team_id = ${teamId} and o.role = 'owner' and o.user_id <> ${userId})
    and exists (select 1 from team_members x where x.team_id = ${teamId} and x.user_id <> ${userId})`;
}

/** What a password change needs: the current hash, and where and to whom the notice goes. */
export async function findPasswordHolder(db: Database, userId: string) {
  const [user] = await db
    .select({ email: users.email, hash: users.passwordHash, displayName: users.displayName })
    .from(users)
    .where(eq(users.id, userId));
  return user;
}

/** Who a verification email goes to, and whether the address is already verified. */
export async function findVerificationTarget(db: Database, userId: string) {
  const [user] = await db
    .select({
      id: users.id,
      email: users.email,
      displayName: users.displayName,
      verifiedAt: users.emailVerifiedAt,
    })
    .from(users)
    .where(eq(users.id, userId));
  return user;
}
