/**
 * Stub auth (functions/auth): accounts with salted SHA-256 passwords, sessions like the
 * server's (one per sign-in, the refresh cookie's stand-in holds its id), sign-out, and the
 * password forgot/reset/change flows with their emails.
 */
import { ENTITLEMENTS } from "../../../db/entitlements";
import { authProblems } from "../../../shared/auth/problems";
import {
  ChangePasswordBody,
  ForgotPasswordBody,
  ResetPasswordBody,
  SigninBody,
  SignupBody,
} from "../../../shared/schemas/auth";
import type { Backend } from "../backend";
import { fromApiError, randomId, validationProblem } from "../errors";
import { browser } from "../globals";
import { mfaRequiredError } from "../mfa-required";
import type { User } from "../types";
import { issueMfaChallenge } from "./factors";
import { appLink, consumeEmailToken, newEmailToken, saveEmailToken, sendEmail, sha256Hex } from "./mail";
import { stubProblems as p, validate } from "./problems";
import type { StubDb, StubUser, StubWorld } from "./world";

/** The user as the API shows them to themselves (shared/auth/user-dto.ts toUserDto). */
export function toUserDto(u: StubUser): User {
  return {
    id: u.id,
    email: u.email,
    displayName: u.displayName,
    avatarUrl: u.avatarUrl ?? null,
    role: u.role,
    tier: u.tier,
    emailVerified: Boolean(u.emailVerifiedAt),
    entitlements: [...ENTITLEMENTS[u.tier]],
    createdAt: u.createdAt,
  };
}

/** Ends live sessions of a user (all, or all but one); returns how many. */
export function revokeSessions(db: StubDb, userId: string, except?: string): number {
  const now = new Date().toISOString();
  let count = 0;
  for (const session of Object.values(db.sessions)) {
    if (session.userId !== userId || session.revokedAt || session.id === except) continue;
    session.revokedAt = now;
    count++;
  }
  return count;
}

/** Whether the password is the user's. */
export async function passwordMatches(user: StubUser, password: string): Promise<boolean> {
  return (await sha256Hex(`${user.salt}:${password}`)) === user.hash;
}

/** Whether the account has a password (one made through a provider has none until a reset). */
export const hasPassword = (user: StubUser) => user.hash !== "";

/** The server's window for accounts without a password (shared/auth/owner-proof.ts). */
const RECENT_SIGNIN_MINUTES = 10;

/**
 * The API's proof of the account's owner (shared/auth/owner-proof.ts): the current password
 * when the account has one, else a sign-in of this session in the last RECENT_SIGNIN_MINUTES.
 * `then` finishes the 403's advice, as the API words it.
 */
export async function proveAccountOwner(
  world: StubWorld,
  user: StubUser,
  password: string | undefined,
  then: string,
  instance: string,
): Promise<void> {
  if (hasPassword(user)) {
    if (password === undefined)
      throw validationProblem(
        [{ path: "password", message: "is required: this account has a password" }],
        instance,
      );
    if (!(await passwordMatches(user, password)))
      throw p.invalidCredentials(instance, "The password is wrong.");
    return;
  }
  const db = await world.read();
  const session = world.current ? db.sessions[world.current] : undefined;
  const age = session ? Date.now() - Date.parse(session.createdAt) : Number.POSITIVE_INFINITY;
  if (age > RECENT_SIGNIN_MINUTES * 60_000)
    throw fromApiError(
      authProblems.recentSignInRequired(
        `Sign in again with your provider, then ${then} within ${RECENT_SIGNIN_MINUTES} minutes.`,
      ),
      instance,
    );
}

async function hashPassword(password: string): Promise<{ salt: string; hash: string }> {
  const salt = randomId();
  return { salt, hash: await sha256Hex(`${salt}:${password}`) };
}

/** The cookie key of the session id (an older stub kept the user id under "session"). */
export const COOKIE = "sid";

/** A new session for the user (inside a transaction); the caller saves the cookie with `startSession`. */
export function openSession(db: StubDb, user: StubUser): string {
  const now = new Date().toISOString();
  const id = randomId();
  db.sessions[id] = {
    id,
    userId: user.id,
    createdAt: now,
    lastUsedAt: now,
    userAgent: browser.navigator?.userAgent ?? null,
    revokedAt: null,
  };
  return id;
}

/** Makes an opened session this browser's (the refresh cookie's stand-in); resolves the user. */
export async function startSession(world: StubWorld, session: { id: string; user: StubUser }): Promise<User> {
  world.current = session.id;
  await world.cookie.write(COOKIE, session.id);
  return toUserDto(session.user);
}

type AuthCalls =
  | "restoreSession"
  | "signUp"
  | "signIn"
  | "signOut"
  | "requestPasswordReset"
  | "resetPassword"
  | "changePassword"
  | "onSessionLost";

/** Sign-up, sign-in, sign-out, the session the refresh cookie would keep, and passwords. */
export function stubAuth(world: StubWorld): Pick<Backend, AuthCalls> {
  const signedIn = (session: { id: string; user: StubUser }) => startSession(world, session);

  return {
    async restoreSession() {
      const saved = await world.cookie.read<string | null>(COOKIE, () => null);
      const user = saved
        ? await world.tx((db) => {
            const session = db.sessions[saved];
            const owner = session && !session.revokedAt ? db.users[session.userId] : undefined;
            // Refreshing uses the session, as the server's rotation does.
            if (session && owner) session.lastUsedAt = new Date().toISOString();
            return owner;
          })
        : undefined;
      if (!user) {
        world.current = undefined;
        await world.cookie.remove(COOKIE);
        return null;
      }
      world.current = saved ?? undefined;
      return toUserDto(user);
    },
    async signUp(body) {
      const input = validate(SignupBody, body, "/api/auth/signup");
      const password = await hashPassword(input.password);
      const verify = await newEmailToken();
      const session = await world.tx((db) => {
        if (Object.values(db.users).some((u) => u.email === input.email))
          throw p.emailTaken("/api/auth/signup");
        const user: StubUser = {
          id: randomId(),
          email: input.email,
          displayName: input.displayName,
          role: world.admins.has(input.email) ? "admin" : "user",
          tier: "free",
          createdAt: new Date().toISOString(),
          ...password,
          avatarUrl: null,
          emailVerifiedAt: null,
        };
        db.users[user.id] = user;
        saveEmailToken(db, verify.hash, user.id, "verify_email");
        sendEmail(db, user.email, { template: "welcome", displayName: user.displayName });
        sendEmail(
          db,
          user.email,
          { template: "verify-email", displayName: user.displayName },
          appLink(world, "verify-email", verify.token),
        );
        return { id: openSession(db, user), user };
      });
      return signedIn(session);
    },
    async signIn(body) {
      const input = validate(SigninBody, body, "/api/auth/signin");
      const found = Object.values((await world.read()).users).find((u) => u.email === input.email);
      if (!found || !(await passwordMatches(found, input.password)))
        throw p.invalidCredentials("/api/auth/signin");
      const session = await world.tx((db) => {
        const user = db.users[found.id];
        if (!user) throw p.invalidCredentials("/api/auth/signin");
        return issueMfaChallenge(db, user) ?? { id: openSession(db, user), user };
      });
      if ("challenge" in session) throw mfaRequiredError(session, "/api/auth/signin");
      return signedIn(session);
    },
    async signOut() {
      const id = world.current ?? (await world.cookie.read<string | null>(COOKIE, () => null));
      world.current = undefined;
      await world.cookie.remove(COOKIE);
      if (!id) return;
      await world.tx((db) => {
        const session = db.sessions[id];
        if (session && !session.revokedAt) session.revokedAt = new Date().toISOString();
      });
    },
    async requestPasswordReset(email) {
      const input = validate(ForgotPasswordBody, { email }, "/api/auth/password/forgot");
      const reset = await newEmailToken();
      await world.tx((db) => {
        const user = Object.values(db.users).find((u) => u.email === input.email);
        if (!user) return;
        saveEmailToken(db, reset.hash, user.id, "reset_password");
        sendEmail(
          db,
          user.email,
          { template: "reset-password" },
          appLink(world, "reset-password", reset.token),
        );
      });
    },
    async resetPassword(body) {
      const instance = "/api/auth/password/reset";
      const input = validate(ResetPasswordBody, body, instance);
      const tokenHash = await sha256Hex(input.token);
      const password = await hashPassword(input.newPassword);
      await world.tx((db) => {
        const userId = consumeEmailToken(db, tokenHash, "reset_password");
        const user = userId ? db.users[userId] : undefined;
        if (!user) throw p.invalidEmailedToken(instance);
        Object.assign(user, password);
        // Every other reset link of the account is spent too.
        const now = new Date().toISOString();
        for (const token of Object.values(db.emailTokens))
          if (token.userId === user.id && token.purpose === "reset_password") token.usedAt ??= now;
        revokeSessions(db, user.id);
        sendEmail(db, user.email, { template: "password-changed", displayName: "there" });
      });
    },
    async changePassword(body) {
      const instance = "/api/auth/password/change";
      const current = world.current;
      const db = await world.read();
      const user = world.viewer(db, instance);
      const input = validate(ChangePasswordBody, body, instance);
      if (!(await passwordMatches(user, input.currentPassword)))
        throw p.invalidCredentials(instance, "The current password is wrong.");
      const password = await hashPassword(input.newPassword);
      await world.tx((db) => {
        const stored = db.users[user.id];
        if (!stored) throw p.unauthorized(instance);
        Object.assign(stored, password);
        revokeSessions(db, stored.id, current);
        sendEmail(db, stored.email, { template: "password-changed", displayName: stored.displayName });
      });
    },
    onSessionLost(callback) {
      world.onLost = callback;
    },
  };
}
