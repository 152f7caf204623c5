/** Signing in with a provider, linked identities and change of email, over either backend. */

import { mfaProblems } from "../../../shared/auth/mfa-problems";
import type { Backend } from "../backend";
import { type BacklineError, fromApiError } from "../errors";
import { browser } from "../globals";
import { isMfaRequired, mfaRequiredError } from "../mfa-required";
import type { AccountIdentities, AuthState } from "../types";
import type { AuthCore } from "./auth";
import { takeRedirectError } from "./redirect-error";

/** The page the browser comes back to by default: this one. */
function currentPage(): string {
  return browser.location?.href ?? "";
}

/** Sends the browser to a provider flow; the promise settles as the page leaves. */
function navigate(url: string): void {
  if (!browser.location?.assign) throw new TypeError("signing in with a provider needs a browser page");
  browser.location.assign(url);
}

/** The waiting provider sign-in as the `mfa-required` rejection, or why there is none. */
async function waitingSecondFactor(backend: Backend): Promise<BacklineError> {
  const pending = await backend.pendingChallenge();
  const instance = "/api/auth/mfa/pending";
  return pending
    ? mfaRequiredError(pending, instance)
    : fromApiError(mfaProblems.noPendingSignin(), instance);
}

/** The identity calls of the auth service, and an `init` that first reads a provider flow's error landing. */
export function createIdentities(
  backend: Backend,
  auth: AuthCore,
): AccountIdentities & { init(): Promise<AuthState> } {
  let redirectError: BacklineError | null = null;

  return {
    async init() {
      redirectError = takeRedirectError();
      // A provider sign-in that needs a second factor lands as `mfa-required` with no challenge in
      // the URL: fetch the waiting one (its cookie), so the app gets what a rejected signIn gives.
      if (redirectError && isMfaRequired(redirectError)) redirectError = await waitingSecondFactor(backend);
      return auth.init();
    },
    lastRedirectError: () => redirectError,
    providers: () => backend.listProviders(),
    async signInWith(provider, options = {}) {
      const started = await backend.startProviderSignIn(
        provider,
        options.redirect ?? currentPage(),
        options.stubAccount,
      );
      if ("navigate" in started) navigate(started.navigate);
      else await auth.adopt(started.user);
    },
    listIdentities: () => backend.listIdentities(),
    async linkIdentity(provider, options = {}) {
      const started = await backend.linkIdentity(
        provider,
        options.redirect ?? currentPage(),
        options.stubAccount,
      );
      if ("navigate" in started) navigate(started.navigate);
    },
    unlinkIdentity: (provider) => backend.unlinkIdentity(provider),
    changeEmail: (newEmail, password) =>
      backend.changeEmail({ newEmail, ...(password !== undefined && { password }) }),
    async confirmEmailChange(token) {
      const result = await backend.confirmEmailChange(token);
      // The signed-in user may be the one who moved: show the new address. A session this ended
      // is announced by the backend's session-lost callback instead.
      if (auth.getAuthState().signedIn) {
        try {
          auth.setUser(await backend.getMe());
        } catch {}
      }
      return { email: result.email };
    },
  };
}
