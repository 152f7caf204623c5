/**
 * The stub's account routes: the profile and account deletion (functions/me), email
 * verification (functions/auth/email-verification.ts) and the session list, revocation and
 * "sign out everywhere" (functions/auth/index.ts).
 */
import { SessionIdParam, VerifyEmailBody } from "../../../shared/schemas/auth";
import { DeleteMeBody, PatchMeBody } from "../../../shared/schemas/me";
import type { Backend } from "../backend";
import type { Session } from "../types";
import { proveAccountOwner, revokeSessions, toUserDto } from "./auth";
import { deleteFactors } from "./factors";
import { appLink, consumeEmailToken, newEmailToken, saveEmailToken, sendEmail, sha256Hex } from "./mail";
import { stubProblems as p, validate } from "./problems";
import { leaveAllTeams } from "./teams-store";
import type { StubDb, StubWorld } from "./world";

type AccountCalls =
  | "getMe"
  | "updateMe"
  | "deleteMe"
  | "verifyEmail"
  | "requestEmailVerification"
  | "listSessions"
  | "revokeSession"
  | "signOutAll";

/** Removes a user and everything that is theirs (the server's cascade of `delete from users`). */
function deleteUserData(db: StubDb, userId: string): void {
  delete db.users[userId];
  for (const [id, session] of Object.entries(db.sessions))
    if (session.userId === userId) delete db.sessions[id];
  for (const [hash, token] of Object.entries(db.emailTokens))
    if (token.userId === userId) delete db.emailTokens[hash];
  for (const [id, pattern] of Object.entries(db.patterns))
    if (pattern.userId === userId) delete db.patterns[id];
  for (const [id, share] of Object.entries(db.shares)) if (share.ownerId === userId) delete db.shares[id];
  for (const [id, invoice] of Object.entries(db.invoices))
    if (invoice.userId === userId) delete db.invoices[id];
  delete db.seq[userId];
  delete db.progress[userId];
  if (db.attempts) delete db.attempts[userId];
  delete db.subscriptions[userId];
  deleteFactors(db, userId);
}

export function stubAccount(world: StubWorld): Pick<Backend, AccountCalls> {
  const signedOut = async () => {
    world.current = undefined;
    await world.cookie.remove("sid");
  };

  return {
    async getMe() {
      return toUserDto(world.viewer(await world.read(), "/api/me"));
    },
    updateMe(body) {
      const instance = "/api/me";
      return world.tx((db) => {
        const user = world.viewer(db, instance);
        const changes = validate(PatchMeBody, body, instance);
        if (changes.displayName !== undefined) user.displayName = changes.displayName;
        if (changes.avatarUrl !== undefined) user.avatarUrl = changes.avatarUrl;
        return toUserDto(user);
      });
    },
    async deleteMe(password) {
      const instance = "/api/me";
      const user = world.viewer(await world.read(), instance);
      const input = validate(DeleteMeBody, { password }, instance);
      await proveAccountOwner(world, user, input.password, "delete the account", instance);
      await world.tx((db) => {
        const gone = db.users[user.id];
        if (!gone) throw p.notFound("This account no longer exists.", instance);
        leaveAllTeams(db, gone.id, instance);
        deleteUserData(db, gone.id);
        sendEmail(db, gone.email, { template: "account-deleted", displayName: gone.displayName });
      });
      await signedOut();
    },
    async verifyEmail(token) {
      const instance = "/api/auth/email/verify";
      const input = validate(VerifyEmailBody, { token }, instance);
      const hash = await sha256Hex(input.token);
      await world.tx((db) => {
        const userId = consumeEmailToken(db, hash, "verify_email");
        const user = userId ? db.users[userId] : undefined;
        if (!user) throw p.invalidEmailedToken(instance);
        user.emailVerifiedAt ??= new Date().toISOString();
      });
    },
    async requestEmailVerification() {
      const instance = "/api/auth/email/verify-request";
      const verify = await newEmailToken();
      await world.tx((db) => {
        const user = world.viewer(db, instance);
        if (user.emailVerifiedAt) return;
        saveEmailToken(db, verify.hash, user.id, "verify_email");
        sendEmail(
          db,
          user.email,
          { template: "verify-email", displayName: user.displayName },
          appLink(world, "verify-email", verify.token),
        );
      });
    },
    async listSessions() {
      const db = await world.read();
      const user = world.viewer(db, "/api/auth/sessions");
      return Object.values(db.sessions)
        .filter((s) => s.userId === user.id && !s.revokedAt)
        .sort((a, b) => b.lastUsedAt.localeCompare(a.lastUsedAt))
        .map(
          (s): Session => ({
            id: s.id,
            createdAt: s.createdAt,
            lastUsedAt: s.lastUsedAt,
            userAgent: s.userAgent,
            ip: null,
            current: s.id === world.current,
          }),
        );
    },
    async revokeSession(id) {
      const instance = `/api/auth/sessions/${encodeURIComponent(id)}`;
      await world.tx((db) => {
        const user = world.viewer(db, instance);
        validate(SessionIdParam, { id }, instance, "param");
        const session = db.sessions[id];
        if (!session || session.userId !== user.id || session.revokedAt)
          throw p.notFound("No live session with this id.", instance);
        session.revokedAt = new Date().toISOString();
      });
    },
    async signOutAll() {
      await world.tx((db) => {
        const user = world.viewer(db, "/api/auth/signout-all");
        revokeSessions(db, user.id);
      });
      await signedOut();
    },
  };
}
