import { and, eq, isNull, sql } from "drizzle-orm";
import type { Database } from "../database";
import { recoveryCodes, userTotp } from "../schema/mfa";
import { passkeys } from "../schema/passkeys";
import { users } from "../schema/users";
import { ownerProofColumns, profileColumns } from "./users";

/** An unused recovery code as the check needs it. */
export interface StoredRecoveryCode {
  id: string;
  codeHash: string;
}

const unusedCodes = sql<StoredRecoveryCode[] | string>`coalesce((
  select json_agg(json_build_object('id', ${recoveryCodes.id}, 'codeHash', ${recoveryCodes.codeHash}))
  from ${recoveryCodes}
  where ${recoveryCodes.userId} = ${users.id} and ${recoveryCodes.usedAt} is null
), '[]'::json)`;

/** A passkey as checking it as a second factor needs it. */
export interface StoredPasskey {
  id: string;
  name: string;
  credentialId: string;
  publicKey: string;
  algorithm: number;
  signCount: number;
  transports: string[];
}

const accountPasskeys = sql<StoredPasskey[] | string>`coalesce((
  select json_agg(json_build_object(
    'id', ${passkeys.id}, 'name', ${passkeys.name}, 'credentialId', ${passkeys.credentialId},
    'publicKey', ${passkeys.publicKey}, 'algorithm', ${passkeys.algorithm},
    'signCount', ${passkeys.signCount}, 'transports', ${passkeys.transports}
  ) order by ${passkeys.createdAt})
  from ${passkeys}
  where ${passkeys.userId} = ${users.id}
), '[]'::json)`;

/**
 * Everything a second-factor check needs about one account, in one query: the profile (to
 * issue a session), the password hash (the challenge is bound to it), the TOTP row if any,
 * the unused recovery codes and the passkeys.
 */
export async function findMfaAccount(db: Database, userId: string) {
  const [row] = await db
    .select({
      ...profileColumns,
      passwordHash: users.passwordHash,
      disabledAt: users.disabledAt,
      totpSealed: userTotp.secretSealed,
      totpEnabledAt: userTotp.enabledAt,
      totpLastUsedStep: userTotp.lastUsedStep,
      recoveryCodes: unusedCodes,
      passkeys: accountPasskeys,
    })
    .from(users)
    .leftJoin(userTotp, eq(userTotp.userId, users.id))
    .where(eq(users.id, userId))
    .limit(1);
  if (!row) return undefined;
  const {
    totpSealed,
    totpEnabledAt,
    totpLastUsedStep,
    recoveryCodes: codes,
    passkeys: keys,
    ...account
  } = row;
  return {
    ...account,
    totp: totpSealed
      ? { sealed: totpSealed, enabledAt: totpEnabledAt, lastUsedStep: totpLastUsedStep }
      : undefined,
    recoveryCodes: (typeof codes === "string" ? JSON.parse(codes) : codes) as StoredRecoveryCode[],
    passkeys: (typeof keys === "string" ? JSON.parse(keys) : keys) as StoredPasskey[],
  };
}

/** What starting an authenticator app needs: the account, whether its app is on, and its owner's proof. */
export async function findTotpStarter(db: Database, userId: string, sessionId: string) {
  const [row] = await db
    .select({
      email: users.email,
      displayName: users.displayName,
      totpEnabledAt: userTotp.enabledAt,
      ...ownerProofColumns(sessionId),
    })
    .from(users)
    .leftJoin(userTotp, eq(userTotp.userId, users.id))
    .where(eq(users.id, userId))
    .limit(1);
  return row;
}

/** Whether any second factor is on: an active authenticator app or a passkey. */
export function hasSecondFactor(account: MfaAccount | undefined): boolean {
  return Boolean(account?.totp?.enabledAt) || (account?.passkeys.length ?? 0) > 0;
}

/** The second factors an account can complete a sign-in with, e.g. ["totp", "passkey", "recovery_code"]. */
export type MfaFactor = "totp" | "passkey" | "recovery_code";

/** The query of which second factors `userId` has (for the batch of the answer that asks for one). */
export function findMfaFactors(db: Database, userId: string) {
  return db
    .select({
      totp: sql<boolean>`exists (select 1 from ${userTotp} where ${userTotp.userId} = ${userId} and ${userTotp.enabledAt} is not null)`,
      passkey: sql<boolean>`exists (select 1 from ${passkeys} where ${passkeys.userId} = ${userId})`,
      recoveryCode: sql<boolean>`exists (select 1 from ${recoveryCodes} where ${recoveryCodes.userId} = ${userId} and ${recoveryCodes.usedAt} is null)`,
    })
    .from(users)
    .where(eq(users.id, userId));
}

/** The factor names of a findMfaFactors row, in the order clients offer them. */
export function factorNames(
  row: { totp: boolean; passkey: boolean; recoveryCode: boolean } | undefined,
): MfaFactor[] {
  if (!row) return [];
  return [
    ...(row.totp ? (["totp"] as const) : []),
    ...(row.passkey ? (["passkey"] as const) : []),
    ...(row.recoveryCode ? (["recovery_code"] as const) : []),
  ];
}

export type MfaAccount = NonNullable<Awaited<ReturnType<typeof findMfaAccount>>>;

/**
 * What the signed-in user's second factors look like, in one query: whether the authenticator
 * app is on (a pending enrolment is not), how many recovery codes are unused, how many passkeys.
 * Undefined when the user is gone.
 */
export async function findMfaStatus(db: Database, userId: string) {
  const [row] = await db
    .select({
      totpEnabledAt: userTotp.enabledAt,
      recoveryCodesLeft: sql<number>`(
        select count(*) from ${recoveryCodes}
        where ${recoveryCodes.userId} = ${users.id} and ${recoveryCodes.usedAt} is null
      )`.mapWith(Number),
      passkeys:
        sql<number>`(select count(*) from ${passkeys} where ${passkeys.userId} = ${users.id})`.mapWith(
          Number,
        ),
    })
    .from(users)
    .leftJoin(userTotp, eq(userTotp.userId, users.id))
    .where(eq(users.id, userId))
    .limit(1);
  return row;
}

/**
 * Starts (or restarts) an enrolment with a new sealed secret; an active factor is left alone
 * (no row returned), so a second enrolment cannot replace it without disabling it first.
 */
export function upsertPendingTotp(db: Database, userId: string, secretSealed: string) {
  return db
    .insert(userTotp)
    .values({ userId, secretSealed })
    .onConflictDoUpdate({
      target: userTotp.userId,
      set: { secretSealed, lastUsedStep: null, updatedAt: new Date(), createdAt: new Date() },
      setWhere: isNull(userTotp.enabledAt),
    })
    .returning({ userId: userTotp.userId });
}

/** Activates a pending factor, recording the step of the first code as used. */
export function enableTotp(db: Database, userId: string, step: number) {
  return db
    .update(userTotp)
    .set({ enabledAt: new Date(), lastUsedStep: step, updatedAt: new Date() })
    .where(and(eq(userTotp.userId, userId), isNull(userTotp.enabledAt)))
    .returning({ userId: userTotp.userId });
}

/** Records that a code of `step` was accepted: it and every older step are used from now on. */
export function recordTotpStep(db: Database, userId: string, step: number) {
  return db
    .update(userTotp)
    .set({
      lastUsedStep: sql`greatest(coalesce(${userTotp.lastUsedStep}, 0), ${step})`,
      updatedAt: new Date(),
    })
    .where(eq(userTotp.userId, userId));
}

/** Marks one recovery code used (a second use of the same code matches no row). */
export function useRecoveryCode(db: Database, codeId: string) {
  return db
    .update(recoveryCodes)
    .set({ usedAt: new Date() })
    .where(and(eq(recoveryCodes.id, codeId), isNull(recoveryCodes.usedAt)));
}

/** The statements replacing an account's recovery codes with new ones, for one batch. */
export function replaceRecoveryCodes(db: Database, userId: string, codeHashes: string[]) {
  return [
    db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)),
    db.insert(recoveryCodes).values(codeHashes.map((codeHash) => ({ userId, codeHash }))),
  ] as const;
}

/** The statements removing an account's TOTP factor and its recovery codes, for one batch. */
export function deleteTotp(db: Database, userId: string) {
  return [
    db.delete(userTotp).where(eq(userTotp.userId, userId)),
    db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)),
  ] as const;
}
