/** IAuthService over the SDK's auth service: positional arguments, `isAuthenticated` and `token`. */
import type { AuthService, AuthState as SdkAuthState } from "../types";
import { expectArg } from "./args";
import { toUser } from "./convert";
import type { Session } from "./session";
import type { AuthState, IAuthService } from "./types";

const SIGNED_OUT: AuthState = { isAuthenticated: false, user: null, token: null };

export function adaptAuth(auth: AuthService, session: Session): IAuthService {
  const stateOf = (state: SdkAuthState): AuthState =>
    state.signedIn && state.user
      ? { isAuthenticated: true, user: toUser(state.user), token: session.token() }
      : SIGNED_OUT;

  /** Like the SDK's listeners, minus the call at registration (the spec's listeners hear changes only). */
  function onChange(callback: (state: SdkAuthState) => void): () => void {
    let registered = false;
    const stop = auth.onAuthStateChanged((state) => {
      if (registered) callback(state);
    });
    registered = true;
    return stop;
  }

  // First, so the session is up to date when the site's own listeners run.
  onChange((state) => session.changed(state.signedIn ? state.user : null));

  return {
    async init() {
      return stateOf(await auth.init());
    },
    async signIn(email, password) {
      expectArg("authService.signIn", "email", email, "string");
      expectArg("authService.signIn", "password", password, "string");
      await auth.signIn({ email, password });
      return stateOf(auth.getAuthState());
    },
    async completeSignIn(challenge, code) {
      expectArg("authService.completeSignIn", "challenge", challenge, "string");
      expectArg("authService.completeSignIn", "code", code, "string");
      await auth.completeSignIn({ challenge, code });
      return stateOf(auth.getAuthState());
    },
    async signUp(email, password, displayName) {
      expectArg("authService.signUp", "email", email, "string");
      expectArg("authService.signUp", "password", password, "string");
      expectArg("authService.signUp", "displayName", displayName, "string");
      await auth.signUp({ email, password, displayName });
      return stateOf(auth.getAuthState());
    },
    signOut: () => auth.signOut(),
    getAuthState: () => stateOf(auth.getAuthState()),
    onAuthStateChanged(callback) {
      expectArg("authService.onAuthStateChanged", "callback", callback, "function");
      return onChange((state) => callback(stateOf(state)));
    },
  };
}
