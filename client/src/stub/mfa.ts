/**
 * Stub second factors (functions/auth/mfa.ts): setting up the authenticator app with its first
 * code, recovery codes (kept hashed, each used once), turning it off, new codes, and the second
 * step of a sign-in. Outcomes, problems and emails as the API's; not emulated: the failure
 * budgets (rate limits are not emulated anywhere in the stub).
 */
import * as z from "zod";
import { mfaProblems } from "../../../shared/auth/mfa-problems";
import type { ChallengeAnswer, MfaBackend } from "../backend-mfa";
import { fromApiError } from "../errors";
import type { AuthenticationResponseJSON } from "../mfa-types";
import type { User } from "../types";
import { openSession, proveAccountOwner, startSession } from "./auth";
import { factorsFor, factorsOf, hasSecondFactor, mfaStatusOf, type StubFactors } from "./factors";
import { sendEmail } from "./mail";
import { relyingParty, verifyPasskeyAssertion } from "./passkey-checks";
import { issuePasskeyRequest, markFresh } from "./passkeys";
import { validate } from "./problems";
import { hashRecoveryCode, looksLikeRecoveryCode, newRecoveryCodes } from "./recovery-codes";
import { fromBase32, matchTotp, totpEnrolment } from "./totp";
import type { StubDb, StubUser, StubWorld } from "./world";

/** The request bodies of functions/auth/mfa-schemas.ts, with the same rules and messages. */
const FactorCode = z
  .string()
  .trim()
  .min(6, "must be a 6-digit code or a recovery code")
  .max(40, "must be a 6-digit code or a recovery code");
const StartTotpBody = z.object({ password: z.string().min(1).max(1024).optional() }).strict();
const FactorCodeBody = z.object({ code: FactorCode }).strict();
const Challenge = z.string().min(1).max(1024);
const ChallengeBody = z
  .object({
    challenge: Challenge,
    code: FactorCode.optional(),
    passkey: z.object({}).passthrough().optional(),
  })
  .strict()
  .refine((b) => (b.code === undefined) !== (b.passkey === undefined), {
    path: ["code"],
    message: "send either a code or a passkey",
  });
const ChallengeOptionsBody = z.object({ challenge: Challenge }).strict();

const problem = {
  invalidCode: (instance: string) => fromApiError(mfaProblems.invalidCode(), instance),
  invalidChallenge: (instance: string) => fromApiError(mfaProblems.invalidChallenge(), instance),
  invalidPasskey: (instance: string) => fromApiError(mfaProblems.invalidPasskey(), instance),
  noPasskey: (instance: string) => fromApiError(mfaProblems.noPasskey(), instance),
  alreadyEnabled: (instance: string) => fromApiError(mfaProblems.totpAlreadyEnabled(), instance),
  notEnrolled: (instance: string) => fromApiError(mfaProblems.totpNotEnrolled(), instance),
  notEnabled: (instance: string) => fromApiError(mfaProblems.totpNotEnabled(), instance),
};

/** A checked factor: the TOTP step to record, or the recovery code's hash to strike out. */
type Match = { kind: "totp"; step: number } | { kind: "recovery"; hash: string };

/** Which factor `code` is for this user (as functions/auth/mfa-factor.ts matchFactor); undefined when none. */
async function matchFactor(
  factors: StubFactors,
  userId: string,
  code: string,
  pending = false,
): Promise<Match | undefined> {
  if (!pending && looksLikeRecoveryCode(code)) {
    const hash = await hashRecoveryCode(code);
    return factors.recoveryCodes[userId]?.includes(hash) ? { kind: "recovery", hash } : undefined;
  }
  const totp = factors.totp[userId];
  if (!totp || (totp.enabledAt === null) !== pending) return undefined;
  const step = await matchTotp(fromBase32(totp.secret), code.replace(/\s/g, ""), totp.lastUsedStep);
  return step === undefined ? undefined : { kind: "totp", step };
}

/**
 * Spends a match inside a transaction: false when another request spent it since it was read
 * (the API's SET NX). A used recovery code is emailed about, as the API does.
 */
function spend(db: StubDb, user: StubUser, match: Match): boolean {
  const factors = factorsOf(db);
  if (match.kind === "totp") {
    const totp = factors.totp[user.id];
    if (!totp || (totp.lastUsedStep !== null && totp.lastUsedStep >= match.step)) return false;
    totp.lastUsedStep = match.step;
    return true;
  }
  const codes = factors.recoveryCodes[user.id] ?? [];
  if (!codes.includes(match.hash)) return false;
  factors.recoveryCodes[user.id] = codes.filter((h) => h !== match.hash);
  sendEmail(db, user.email, {
    template: "recovery-code-used",
    displayName: user.displayName,
    remaining: String(codes.length - 1),
  });
  return true;
}

/** The code's factor, checked, as the writes that spend it; the 401 problem when it is wrong. */
async function codeSpender(factors: StubFactors, userId: string, code: string, instance: string) {
  const match = await matchFactor(factors, userId, code);
  if (!match) throw problem.invalidCode(instance);
  return (db: StubDb, user: StubUser) => spend(db, user, match);
}

/** The passkey assertion, checked against this sign-in, as the writes that spend it (and email about it). */
async function passkeySpender(
  world: StubWorld,
  body: { challenge: string; passkey: AuthenticationResponseJSON },
  instance: string,
) {
  const expected = { purpose: "mfa" as const, mfaChallenge: body.challenge };
  const match = await verifyPasskeyAssertion(world, body.passkey, expected, () =>
    problem.invalidPasskey(instance),
  );
  return (db: StubDb, user: StubUser) => {
    if (!match.commit(db)) return false;
    sendEmail(db, user.email, {
      template: "passkey-second-factor",
      displayName: user.displayName,
      name: match.passkey.name,
    });
    return true;
  };
}

/** The signed-in user's factor `code`, checked, for a route that needs the app on. */
async function enabledFactor(world: StubWorld, code: string, instance: string) {
  const db = await world.read();
  const user = world.viewer(db, instance);
  const input = validate(FactorCodeBody, { code }, instance);
  if (!factorsOf(db).totp[user.id]?.enabledAt) throw problem.notEnabled(instance);
  const match = await matchFactor(factorsOf(db), user.id, input.code);
  if (!match) throw problem.invalidCode(instance);
  return { user, match };
}

/** The live sign-in challenge and its user; the 401 problem when unknown, used, expired or voided. */
function liveChallenge(db: StubDb, token: string, instance: string) {
  const factors = factorsOf(db);
  const challenge = factors.challenges[token];
  const user = challenge ? db.users[challenge.userId] : undefined;
  const live =
    challenge &&
    user &&
    !challenge.usedAt &&
    challenge.expiresAt > Date.now() &&
    challenge.passwordHash === user.hash &&
    hasSecondFactor(db, user.id);
  if (!challenge || !user || !live) throw problem.invalidChallenge(instance);
  return { challenge, user };
}

export function stubMfa(world: StubWorld): MfaBackend {
  return {
    async mfaStatus() {
      const db = await world.read();
      return mfaStatusOf(db, world.viewer(db, "/api/auth/mfa").id);
    },
    async startTotp(password) {
      const instance = "/api/auth/mfa/totp";
      const db = await world.read();
      const user = world.viewer(db, instance);
      const input = validate(StartTotpBody, { password }, instance);
      if (factorsOf(db).totp[user.id]?.enabledAt) throw problem.alreadyEnabled(instance);
      await proveAccountOwner(world, user, input.password, "set up the app", instance);
      const secret = crypto.getRandomValues(new Uint8Array(20));
      const enrolment = totpEnrolment(secret, user.email);
      await world.tx((db) => {
        const factors = factorsOf(db);
        if (factors.totp[user.id]?.enabledAt) throw problem.alreadyEnabled(instance);
        factors.totp[user.id] = { secret: enrolment.secret, enabledAt: null, lastUsedStep: null };
      });
      return enrolment;
    },
    async verifyTotp(code) {
      const instance = "/api/auth/mfa/totp/verify";
      const db = await world.read();
      const user = world.viewer(db, instance);
      const input = validate(FactorCodeBody, { code }, instance);
      const totp = factorsOf(db).totp[user.id];
      if (!totp || totp.enabledAt) throw problem.notEnrolled(instance);
      const match = await matchFactor(factorsOf(db), user.id, input.code, true);
      if (match?.kind !== "totp") throw problem.invalidCode(instance);
      const { codes, hashes } = await newRecoveryCodes();
      await world.tx((db) => {
        const factors = factorsOf(db);
        const pending = factors.totp[user.id];
        if (!pending || pending.enabledAt || pending.secret !== totp.secret)
          throw problem.notEnrolled(instance);
        Object.assign(pending, { enabledAt: new Date().toISOString(), lastUsedStep: match.step });
        factors.recoveryCodes[user.id] = hashes;
        sendEmail(db, user.email, { template: "totp-enabled", displayName: user.displayName });
      });
      return { recoveryCodes: codes };
    },
    async disableTotp(code) {
      const instance = "/api/auth/mfa/totp/disable";
      const { user, match } = await enabledFactor(world, code, instance);
      await world.tx((db) => {
        if (!spend(db, user, match)) throw problem.invalidCode(instance);
        const factors = factorsOf(db);
        delete factors.totp[user.id];
        delete factors.recoveryCodes[user.id];
        sendEmail(db, user.email, { template: "totp-disabled", displayName: user.displayName });
      });
    },
    async regenerateRecoveryCodes(code) {
      const instance = "/api/auth/mfa/recovery-codes";
      const { user, match } = await enabledFactor(world, code, instance);
      const { codes, hashes } = await newRecoveryCodes();
      await world.tx((db) => {
        if (!spend(db, user, match)) throw problem.invalidCode(instance);
        factorsOf(db).recoveryCodes[user.id] = hashes;
        sendEmail(db, user.email, { template: "recovery-codes-regenerated", displayName: user.displayName });
      });
      return { recoveryCodes: codes };
    },
    // Stub mode has no Google or GitHub sign-in: no sign-in ever waits for a second factor after one.
    pendingChallenge: async () => null,
    async challengeOptions(challenge) {
      const instance = "/api/auth/mfa/challenge/options";
      const input = validate(ChallengeOptionsBody, { challenge }, instance);
      return world.tx((db) => {
        const { user } = liveChallenge(db, input.challenge, instance);
        if (!factorsFor(db, user.id).includes("passkey")) throw problem.noPasskey(instance);
        return issuePasskeyRequest(
          db,
          { purpose: "mfa", userId: user.id, mfaChallenge: input.challenge },
          relyingParty(world),
        );
      });
    },
    async completeChallenge(body: ChallengeAnswer): Promise<User> {
      const instance = "/api/auth/mfa/challenge";
      const db = await world.read();
      const input = validate(ChallengeBody, body, instance);
      const { user } = liveChallenge(db, input.challenge, instance);
      const spendMatch =
        "passkey" in body
          ? await passkeySpender(world, body, instance)
          : await codeSpender(factorsOf(db), user.id, input.code as string, instance);
      const session = await world.tx((db) => {
        const { challenge, user: current } = liveChallenge(db, input.challenge, instance);
        if (!spendMatch(db, current)) throw problem.invalidChallenge(instance);
        challenge.usedAt = new Date().toISOString();
        const id = openSession(db, current);
        markFresh(db, id);
        return { id, user: current };
      });
      return startSession(world, session);
    },
  };
}
