// Signing in with Google / GitHub (buttons only for the providers the API offers), the account
// panel's sign-in methods (link, unlink) and its change of email. A provider flow leaves the page
// and comes back; when it failed, the SDK hands the problem over once the session is restored.
import { isMfaRequired } from "/sdk/backline.js";
import { byId, h, latestLoad, showError, withLoading } from "./ui.js";

const when = (iso) => new Date(iso).toLocaleDateString();

/** Runs `action` once no network action of the app is in flight (ui.js marks the body busy). */
function whenIdle(action) {
  // A tick first: the loads a sign-in state change starts may not have begun yet.
  setTimeout(() => {
    if (!document.body.hasAttribute("aria-busy")) return action();
    const observer = new MutationObserver(() => {
      if (document.body.hasAttribute("aria-busy")) return;
      observer.disconnect();
      action();
    });
    observer.observe(document.body, { attributes: true, attributeFilter: ["aria-busy"] });
  }, 0);
}

/** Initializes the provider buttons and the account panel's parts; `app` is app.js's shared object. */
export function initIdentities(app) {
  const { backline } = app;
  /** The providers the API offers, per mode (the stub offers both), once loaded. */
  let offered = Promise.resolve([]);
  /** The redirect error already shown, so a re-render does not show it again. */
  let shown = null;

  /** In stub mode the provider "picks" the address typed in the form, like the consent page's choice. */
  function stubAccount() {
    const email = byId("email").value.trim();
    return email ? { email } : undefined;
  }

  async function loadProviders() {
    offered = withLoading("Loading sign-in providers", null, () => backline.auth.providers()).then(
      (loaded) => (loaded.ok ? loaded.value : []),
    );
    byId("provider-buttons").replaceChildren(
      ...(await offered).map((provider) => {
        const button = h(
          "button",
          { type: "button", className: "provider", dataset: { provider: provider.id } },
          `Continue with ${provider.name}`,
        );
        button.addEventListener("click", () =>
          withLoading(`Signing in with ${provider.name}`, button, () =>
            backline.auth.signInWith(provider.id, { redirect: location.href, stubAccount: stubAccount() }),
          ),
        );
        return button;
      }),
    );
  }

  /**
   * Shows why the last provider flow failed, once the panels' start-up loads are done (each
   * load clears the alert box as it starts).
   */
  function showRedirectError() {
    const error = backline.auth.lastRedirectError();
    // A provider sign-in waiting for a second factor is not a failure: web/mfa.js asks for it.
    if (!error || error === shown || isMfaRequired(error)) return;
    shown = error;
    whenIdle(() => showError(error, "Signing in with the provider"));
  }

  const identitiesLoad = latestLoad();

  async function loadIdentities() {
    const loaded = await identitiesLoad("Loading your sign-in methods", null, () =>
      backline.auth.listIdentities(),
    );
    if (!loaded.ok) return;
    const { hasPassword, identities } = loaded.value;
    const providers = await offered;
    byId("password-state").textContent = hasPassword
      ? "This account has a password."
      : "No password yet: use “Forgot password?” signed out to set one.";
    byId("identity-list").replaceChildren(
      ...providers.map((provider) => {
        const identity = identities.find((i) => i.provider === provider.id);
        const item = h(
          "li",
          {
            className: "identity-item",
            dataset: { provider: provider.id, linked: String(Boolean(identity)) },
          },
          h("span", {}, provider.name),
          h(
            "span",
            { className: "muted" },
            identity
              ? ` · ${identity.email ?? "no address"}, linked ${when(identity.linkedAt)}`
              : " · not linked",
          ),
        );
        const action = identity
          ? h("button", { type: "button", className: "unlink-identity" }, `Unlink ${provider.name}`)
          : h("button", { type: "button", className: "link-identity" }, `Link ${provider.name}`);
        action.addEventListener("click", () =>
          identity ? unlink(provider, action) : link(provider, action),
        );
        item.append(h("span", { className: "actions" }, action));
        return item;
      }),
    );
  }

  async function link(provider, button) {
    const done = await withLoading(`Linking ${provider.name}`, button, () =>
      backline.auth.linkIdentity(provider.id, { redirect: location.href }),
    );
    // The stub links at once; the real API comes back to this page later.
    if (done.ok && backline.mode === "stub") await loadIdentities();
  }

  async function unlink(provider, button) {
    const done = await withLoading(`Unlinking ${provider.name}`, button, () =>
      backline.auth.unlinkIdentity(provider.id),
    );
    if (!done.ok) return;
    app.notice(`${provider.name} no longer signs in to this account.`);
    await loadIdentities();
  }

  byId("email-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const newEmail = byId("new-email").value.trim();
    const password = byId("email-password").value;
    const asked = await withLoading("Asking to change your email address", byId("change-email"), () =>
      backline.auth.changeEmail(newEmail, password || undefined),
    );
    if (!asked.ok) return;
    byId("email-password").value = "";
    app.notice(`A confirmation link is on its way to ${newEmail}; the address changes once you open it.`);
  });

  app.onModeChanged(() => void loadProviders());
  app.onUser((user) => {
    byId("identity-list").replaceChildren();
    showRedirectError();
    if (user) void loadIdentities();
  });
}
