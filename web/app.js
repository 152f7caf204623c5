// The demo app: one Backline SDK instance shared by the account, pattern, lesson and billing
// panels. The SDK picks its mode itself (?backend=real → the real API, otherwise the in-browser
// stub); the header shows it and switches it.
import { createBackline } from "/sdk/backline.js";
import { initAccountPanel } from "./account.js";
import { initApiKeys } from "./api-keys.js";
import { initBilling } from "./billing.js";
import { initIdentities } from "./identities.js";
import { initLessons } from "./lessons.js";
import { initMfaPanel, initSecondStep } from "./mfa.js";
import { initPasskeys } from "./passkeys.js";
import { initPatterns } from "./patterns.js";
import { initTeams } from "./teams.js";
import { byId, showError, withLoading } from "./ui.js";

const config = window.BACKLINE_CONFIG ?? {};
const backline = createBackline({
  baseUrl: config.apiUrl ?? location.origin,
  // The share page opens /share/stub/<id> in the stub, /share/<id> on the real API.
  stubShareBaseUrl: `${location.origin}/share/stub`,
  // The stub's emails link to /stub/verify-email and /stub/reset-password (the pages open the
  // stub there), as the API's link to /verify-email and /reset-password (the real API).
  stubAppUrl: `${location.origin}/stub`,
});
// For the console and the browser tests.
window.backline = backline;

/** The signed-in user of an auth state, or null. */
function userOf(state) {
  return state?.user ?? null;
}

const app = {
  backline,
  user: null,
  listeners: [],
  profileListeners: [],
  modeListeners: [],
  /** Registers a panel's reaction to sign-in, sign-out and tier changes. */
  onUser(listener) {
    this.listeners.push(listener);
  },
  /** Registers a reaction to changes of the same user's profile (name, avatar, email confirmed). */
  onProfile(listener) {
    this.profileListeners.push(listener);
  },
  /** Registers a reaction to a switch of the SDK's mode. */
  onModeChanged(listener) {
    this.modeListeners.push(listener);
  },
  setUser(user) {
    this.user = user;
    renderAuth(user);
    for (const listener of this.listeners) listener(user);
  },
  setProfile(user) {
    this.user = user;
    renderAuth(user);
    for (const listener of this.profileListeners) listener(user);
  },
  /** Asks the API for a fresh access token (it carries the tier) and re-renders. */
  async refreshSession() {
    const refreshed = await withLoading("Refreshing your session", null, () => backline.auth.init());
    if (refreshed.ok) this.setUser(userOf(backline.auth.getAuthState()));
  },
  notice(text) {
    const box = byId("notice");
    box.textContent = text;
    box.hidden = !text;
  },
};
window.app = app;

function renderMode() {
  const mode = backline.mode;
  byId("mode").textContent = mode === "http" ? "real API" : "stub (this browser only)";
  document.body.dataset.mode = mode;
  byId("mode-switch").textContent = mode === "http" ? "Use the stub" : "Use the real API";
  for (const listener of app.modeListeners) listener(mode);
}

function renderAuth(user) {
  const state = byId("auth-state");
  state.textContent = user ? `Signed in as ${user.displayName || user.email}` : "Signed out";
  state.dataset.signedIn = String(Boolean(user));
  byId("auth-form").hidden = Boolean(user);
  byId("signed-in").hidden = !user;
  if (user) {
    byId("user-name").textContent = user.displayName || user.email;
    byId("user-email").textContent = user.email;
    byId("user-tier").textContent = user.tier ?? "free";
  }
}

function credentials() {
  return {
    email: byId("email").value.trim(),
    password: byId("password").value,
    displayName: byId("display-name").value.trim(),
  };
}

function initAccount() {
  byId("auth-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const { email, password } = credentials();
    await withLoading("Signing in", byId("sign-in"), () =>
      backline.auth.signIn({ email, password }).catch(secondStep.askSecondFactor),
    );
  });
  byId("sign-up").addEventListener("click", async () => {
    const { email, password, displayName } = credentials();
    await withLoading("Signing up", byId("sign-up"), () =>
      backline.auth.signUp({ email, password, displayName: displayName || email.split("@")[0] }),
    );
  });
  byId("sign-out").addEventListener("click", async () => {
    await withLoading("Signing out", byId("sign-out"), () => backline.auth.signOut());
  });
  byId("reset-password").addEventListener("click", async () => {
    const { email } = credentials();
    if (!email) return showError({ title: "Type your email first, then ask for a reset link" });
    const done = await withLoading("Asking for a reset link", byId("reset-password"), () =>
      backline.auth.requestPasswordReset(email),
    );
    if (done.ok) app.notice(`If ${email} has an account, a reset link is on its way.`);
  });
  byId("mode-switch").addEventListener("click", () => {
    const next = backline.mode === "http" ? "stub" : "http";
    const url = new URL(location.href);
    if (next === "http") url.searchParams.set("backend", "real");
    else url.searchParams.delete("backend");
    history.replaceState(null, "", url);
    backline.setMode(next);
    renderMode();
    void start();
  });
}

let unsubscribe;

/** (Re)starts the session for the current mode: restores it, then follows auth changes. */
async function start() {
  unsubscribe?.();
  unsubscribe = undefined;
  const restored = await withLoading("Restoring your session", null, () => backline.auth.init());
  app.setUser(restored.ok ? userOf(backline.auth.getAuthState()) : null);
  unsubscribe = backline.auth.onAuthStateChanged((state) => {
    const user = userOf(state);
    if (user?.id === app.user?.id && user?.tier === app.user?.tier) {
      if (user && user !== app.user) app.setProfile(user);
      return;
    }
    app.setUser(user);
  });
}

const secondStep = initSecondStep(app);
initAccount();
initAccountPanel(app);
initIdentities(app);
initMfaPanel(app);
initPasskeys(app);
initApiKeys(app);
initPatterns(app);
initLessons(app);
initTeams(app);
initBilling(app);
renderMode();
await start();
secondStep.resumeFromRedirect();
document.body.dataset.ready = "true";
