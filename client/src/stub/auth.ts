/** Stub auth (functions/auth, GET /api/me): accounts with salted SHA-256 passwords, one session per browser. */
import { ENTITLEMENTS } from "../../../db/entitlements";
import { ForgotPasswordBody, SigninBody, SignupBody } from "../../../shared/schemas/auth";
import type { Backend } from "../backend";
import { randomId } from "../errors";
import type { User } from "../types";
import { stubProblems as p, validate } from "./problems";
import type { StubUser, StubWorld } from "./world";

/** The user as the API shows them to themselves (shared/auth/user-dto.ts toUserDto). */
function toUserDto(u: StubUser): User {
  return {
    id: u.id,
    email: u.email,
    displayName: u.displayName,
    avatarUrl: null,
    role: u.role,
    tier: u.tier,
    emailVerified: false,
    entitlements: [...ENTITLEMENTS[u.tier]],
    createdAt: u.createdAt,
  };
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

type AuthCalls =
  | "restoreSession"
  | "signUp"
  | "signIn"
  | "signOut"
  | "requestPasswordReset"
  | "onSessionLost";

/** Sign-up, sign-in, sign-out and the session the refresh cookie would keep. */
export function stubAuth(world: StubWorld): Pick<Backend, AuthCalls> {
  async function startSession(user: StubUser): Promise<User> {
    world.current = user.id;
    await world.cookie.write("session", user.id);
    return toUserDto(user);
  }

  return {
    async restoreSession() {
      const saved = await world.cookie.read<string | null>("session", () => null);
      const user = saved ? (await world.read()).users[saved] : undefined;
      if (!user) {
        world.current = undefined;
        return null;
      }
      world.current = user.id;
      return toUserDto(user);
    },
    async signUp(body) {
      const input = validate(SignupBody, body, "/api/auth/signup");
      const salt = randomId();
      const hash = await sha256Hex(`${salt}:${input.password}`);
      const user = await world.tx((db) => {
        if (Object.values(db.users).some((u) => u.email === input.email))
          throw p.emailTaken("/api/auth/signup");
        const created: StubUser = {
          id: randomId(),
          email: input.email,
          displayName: input.displayName,
          role: world.admins.has(input.email) ? "admin" : "user",
          tier: "free",
          createdAt: new Date().toISOString(),
          salt,
          hash,
        };
        db.users[created.id] = created;
        return created;
      });
      return startSession(user);
    },
    async signIn(body) {
      const input = validate(SigninBody, body, "/api/auth/signin");
      const db = await world.read();
      const user = Object.values(db.users).find((u) => u.email === input.email);
      if (!user || (await sha256Hex(`${user.salt}:${input.password}`)) !== user.hash)
        throw p.invalidCredentials("/api/auth/signin");
      return startSession(user);
    },
    async signOut() {
      world.current = undefined;
      await world.cookie.remove("session");
    },
    async requestPasswordReset(email) {
      validate(ForgotPasswordBody, { email }, "/api/auth/password/forgot");
    },
    onSessionLost() {
      // A stub session never ends on its own.
    },
  };
}
