import { and, eq, sql } from "drizzle-orm";
import type { Database } from "../database";
import { userTotp } from "../schema/mfa";
import { passkeys } from "../schema/passkeys";
import { sessions } from "../schema/sessions";
import { users } from "../schema/users";
import { ownerProofColumns, profileColumns } from "./users";

/** How many passkeys one account may hold (each is a row and a line in every options list). */
export const MAX_PASSKEYS_PER_USER = 20;

/** A passkey as its owner sees it. */
export const passkeyColumns = {
  id: passkeys.id,
  name: passkeys.name,
  createdAt: passkeys.createdAt,
  lastUsedAt: passkeys.lastUsedAt,
};

/** A credential as the options of a ceremony list it (to exclude or to allow). */
export interface CredentialDescriptor {
  credentialId: string;
  transports: string[];
}

/**
 * The JSON array of the credentials of the `users` row in scope. Qualified by hand: in a
 * single-table select drizzle leaves `users.id` unqualified, which would read `passkeys.id` here.
 */
const credentialsOfUser = sql<CredentialDescriptor[] | string>`coalesce((
  select json_agg(json_build_object('credentialId', ${passkeys.credentialId}, 'transports', ${passkeys.transports})
    order by ${passkeys.createdAt})
  from ${passkeys} where ${passkeys.userId} = "users"."id"
), '[]'::json)`;

/** The driver may hand json back as text. */
export function parsedJson<T>(value: T | string): T {
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

/** Who is registering a passkey, with the credentials they already hold (to exclude), in one query. */
export async function findPasskeyHolder(db: Database, userId: string, sessionId: string) {
  const [row] = await db
    .select({
      id: users.id,
      email: users.email,
      displayName: users.displayName,
      disabledAt: users.disabledAt,
      credentials: credentialsOfUser,
      ...ownerProofColumns(sessionId),
    })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  return row && { ...row, credentials: parsedJson(row.credentials) };
}

/** The insert of a verified credential (a unique violation on credential_id: already registered). */
export function insertPasskey(
  db: Database,
  values: {
    userId: string;
    credentialId: string;
    publicKey: string;
    algorithm: number;
    signCount: number;
    transports: string[];
    name: string;
  },
) {
  return db.insert(passkeys).values(values).returning(passkeyColumns);
}

/** The user's passkeys, oldest first. */
export function listPasskeys(db: Database, userId: string) {
  return db
    .select(passkeyColumns)
    .from(passkeys)
    .where(eq(passkeys.userId, userId))
    .orderBy(passkeys.createdAt);
}

/**
 * The user's passkey `id` with what changing it needs: its owner's address (for the notice),
 * whether another second factor remains without it, and whether the session `sessionId` signed
 * in with a second factor in the last `freshMinutes` (methods "passkey" or "<first>+<factor>").
 */
export async function findOwnedPasskey(
  db: Database,
  v: { userId: string; id: string; sessionId: string; freshMinutes: number },
) {
  const [row] = await db
    .select({
      ...passkeyColumns,
      email: users.email,
      displayName: users.displayName,
      otherFactor: sql<boolean>`(
        exists (select 1 from ${passkeys} o where o.user_id = ${users.id} and o.id <> ${passkeys.id})
        or exists (select 1 from ${userTotp} where ${userTotp.userId} = ${users.id} and ${userTotp.enabledAt} is not null)
      )`,
      freshFactor: sql<boolean>`exists (
        select 1 from ${sessions} where ${sessions.id} = ${v.sessionId} and ${sessions.userId} = ${users.id}
          and (${sessions.method} = 'passkey' or ${sessions.method} like '%+%')
          and ${sessions.createdAt} > now() - make_interval(mins => ${v.freshMinutes})
      )`,
    })
    .from(passkeys)
    .innerJoin(users, eq(users.id, passkeys.userId))
    .where(and(eq(passkeys.id, v.id), eq(passkeys.userId, v.userId)))
    .limit(1);
  return row;
}

/** Renames the user's passkey; no row when it is not theirs. */
export function renamePasskey(db: Database, v: { userId: string; id: string; name: string }) {
  return db
    .update(passkeys)
    .set({ name: v.name })
    .where(and(eq(passkeys.id, v.id), eq(passkeys.userId, v.userId)))
    .returning(passkeyColumns);
}

/** Deletes the user's passkey. */
export function deletePasskey(db: Database, v: { userId: string; id: string }) {
  return db.delete(passkeys).where(and(eq(passkeys.id, v.id), eq(passkeys.userId, v.userId)));
}

/** The statement removing every passkey of an account (admin reset), for a batch. */
export function deleteUserPasskeys(db: Database, userId: string) {
  return db.delete(passkeys).where(eq(passkeys.userId, userId));
}

/** A credential found by its id at a passwordless sign-in, with its owner's profile. */
export async function findPasskeyForSignin(db: Database, credentialId: string) {
  const [row] = await db
    .select({
      passkeyId: passkeys.id,
      publicKey: passkeys.publicKey,
      algorithm: passkeys.algorithm,
      signCount: passkeys.signCount,
      user: { ...profileColumns, disabledAt: users.disabledAt },
    })
    .from(passkeys)
    .innerJoin(users, eq(users.id, passkeys.userId))
    .where(eq(passkeys.credentialId, credentialId))
    .limit(1);
  return row;
}

/**
 * Records a use: the new counter and the time. The counter only moves forward (the check was
 * made on the row read; of two racing uses the higher counter stays).
 */
export function recordPasskeyUse(db: Database, id: string, signCount: number) {
  return db
    .update(passkeys)
    .set({ signCount: sql`greatest(${passkeys.signCount}, ${signCount})`, lastUsedAt: new Date() })
    .where(eq(passkeys.id, id));
}
