/** The auth service: session state and its listeners, over either backend. */
import type { Backend } from "../backend";
import type { AccountIdentities, AuthService, AuthState, User } from "../types";
import { completeChallenge, pendingSignIn } from "./mfa";
import { passkeySignIn } from "./passkeys";

const SIGNED_OUT: AuthState = { signedIn: false, user: null };

/** The auth service plus what the other services need from it. */
export interface AuthCore extends Omit<AuthService, keyof AccountIdentities> {
  /** The signed-in user's id, or undefined. */
  userId(): string | undefined;
  /** Runs before a sign-in is announced (e.g. local data adopted by the account). */
  beforeSignIn(hook: (user: User) => Promise<void>): void;
  /** Announces a sign-in made elsewhere (a provider, in stub mode), hooks first. */
  adopt(user: User): Promise<User>;
  /** Announces the signed-in user's new profile (e.g. a confirmed change of email). */
  setUser(user: User): void;
}

export function createAuth(backend: Backend): AuthCore {
  let state: AuthState = SIGNED_OUT;
  const listeners = new Set<(state: AuthState) => void>();
  const hooks: ((user: User) => Promise<void>)[] = [];

  function set(next: AuthState): void {
    state = next;
    for (const listener of [...listeners]) listener(state);
  }

  async function signedIn(user: User): Promise<User> {
    for (const hook of hooks) await hook(user);
    set({ signedIn: true, user });
    return user;
  }

  backend.onSessionLost(() => set(SIGNED_OUT));

  return {
    async init() {
      const user = await backend.restoreSession();
      if (user) await signedIn(user);
      else if (state.signedIn) set(SIGNED_OUT);
      return state;
    },
    signUp: async (input) => signedIn(await backend.signUp(input)),
    signIn: async (input) => signedIn(await backend.signIn(input)),
    completeSignIn: async (input) => signedIn(await completeChallenge(backend, input)),
    signInWithPasskey: async () => signedIn(await passkeySignIn(backend)),
    pendingSignIn: () => pendingSignIn(backend),
    async signOut() {
      try {
        await backend.signOut();
      } finally {
        set(SIGNED_OUT);
      }
    },
    getAuthState: () => state,
    onAuthStateChanged(listener) {
      listeners.add(listener);
      listener(state);
      return () => {
        listeners.delete(listener);
      };
    },
    requestPasswordReset: (email) => backend.requestPasswordReset(email),
    resetPassword: (input) => backend.resetPassword(input),
    changePassword: (input) => backend.changePassword(input),
    async verifyEmail(token) {
      await backend.verifyEmail(token);
      // The API does not say whose address it was: re-read the signed-in user, who may own it.
      if (state.signedIn) set({ signedIn: true, user: await backend.getMe() });
    },
    requestEmailVerification: () => backend.requestEmailVerification(),
    async updateProfile(changes) {
      const user = await backend.updateMe(changes);
      set({ signedIn: true, user });
      return user;
    },
    async deleteAccount({ password }) {
      await backend.deleteMe(password);
      set(SIGNED_OUT);
    },
    listSessions: () => backend.listSessions(),
    revokeSession: (sessionId) => backend.revokeSession(sessionId),
    async signOutEverywhere() {
      await backend.signOutAll();
      set(SIGNED_OUT);
    },
    userId: () => state.user?.id,
    beforeSignIn: (hook) => void hooks.push(hook),
    adopt: signedIn,
    setUser: (user) => set({ signedIn: true, user }),
  };
}
