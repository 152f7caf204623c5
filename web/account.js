// The signed-in part of the account panel: email confirmation, profile, password change,
// sessions (with revoke), sign out everywhere and account deletion. In stub mode the emails
// the API would send land in the stub mailbox, which the panel links to.
import { byId, h, latestLoad, withLoading } from "./ui.js";

/** "Chrome on Linux"-ish words for a user agent, or a placeholder. */
function device(userAgent) {
  if (!userAgent) return "Unknown device";
  const browserName = /Firefox\//.test(userAgent)
    ? "Firefox"
    : /Edg\//.test(userAgent)
      ? "Edge"
      : /Chrome\//.test(userAgent)
        ? "Chrome"
        : /Safari\//.test(userAgent)
          ? "Safari"
          : "A browser";
  const os = /Windows/.test(userAgent)
    ? "Windows"
    : /Mac OS X/.test(userAgent)
      ? "macOS"
      : /Android/.test(userAgent)
        ? "Android"
        : /Linux/.test(userAgent)
          ? "Linux"
          : "";
  return os ? `${browserName} on ${os}` : browserName;
}

const when = (iso) => new Date(iso).toLocaleString();

/** Initializes the panel; `app` is the shared app object of app.js. */
export function initAccountPanel(app) {
  const { backline } = app;

  function renderProfile(user) {
    if (!user) return;
    const state = byId("email-state");
    state.textContent = user.emailVerified ? "confirmed" : "not confirmed yet";
    state.dataset.verified = String(Boolean(user.emailVerified));
    byId("resend-verification").hidden = Boolean(user.emailVerified);
    byId("profile-name").value = user.displayName ?? "";
    byId("profile-avatar").value = user.avatarUrl ?? "";
  }

  function renderMailboxHint() {
    byId("stub-mailbox-hint").hidden = backline.mode !== "stub";
  }

  const sessionsLoad = latestLoad();

  async function loadSessions() {
    const loaded = await sessionsLoad("Loading your sessions", null, () => backline.auth.listSessions());
    if (!loaded.ok) return;
    byId("session-list").replaceChildren(
      ...loaded.value.map((session) => {
        const item = h(
          "li",
          {
            className: "session-item",
            dataset: { sessionId: session.id, current: String(session.current) },
          },
          h("span", {}, session.current ? "This browser" : device(session.userAgent)),
          h(
            "span",
            { className: "muted" },
            ` · signed in ${when(session.createdAt)}, last used ${when(session.lastUsedAt)}${session.ip ? ` from ${session.ip}` : ""}`,
          ),
        );
        if (!session.current) {
          const revoke = h("button", { type: "button", className: "revoke-session" }, "Sign out");
          revoke.addEventListener("click", () => revokeSession(session, revoke));
          item.append(h("span", { className: "actions" }, revoke));
        }
        return item;
      }),
    );
  }

  async function revokeSession(session, button) {
    const done = await withLoading("Signing that session out", button, () =>
      backline.auth.revokeSession(session.id),
    );
    if (!done.ok) return;
    app.notice(`Signed out ${device(session.userAgent)}.`);
    await loadSessions();
  }

  byId("resend-verification").addEventListener("click", async (event) => {
    const sent = await withLoading("Sending a new confirmation link", event.currentTarget, () =>
      backline.auth.requestEmailVerification(),
    );
    if (sent.ok) app.notice(`A new confirmation link is on its way to ${app.user?.email}.`);
  });

  byId("profile-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const avatar = byId("profile-avatar").value.trim();
    const saved = await withLoading("Saving your profile", byId("save-profile"), () =>
      backline.auth.updateProfile({ displayName: byId("profile-name").value, avatarUrl: avatar || null }),
    );
    if (saved.ok) app.notice("Profile saved.");
  });

  byId("password-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const changed = await withLoading("Changing your password", byId("change-password"), () =>
      backline.auth.changePassword({
        currentPassword: byId("current-password").value,
        newPassword: byId("new-password").value,
      }),
    );
    if (!changed.ok) return;
    byId("current-password").value = "";
    byId("new-password").value = "";
    app.notice("Password changed. Your other sessions were signed out.");
    await loadSessions();
  });

  byId("sign-out-everywhere").addEventListener("click", async (event) => {
    const done = await withLoading("Signing out everywhere", event.currentTarget, () =>
      backline.auth.signOutEverywhere(),
    );
    if (done.ok) app.notice("Signed out on every device.");
  });

  byId("delete-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const email = app.user?.email;
    const done = await withLoading("Deleting your account", byId("delete-account"), () =>
      backline.auth.deleteAccount({ password: byId("delete-password").value || undefined }),
    );
    byId("delete-password").value = "";
    if (done.ok) app.notice(`The account ${email} and its data were deleted.`);
  });

  app.onModeChanged(renderMailboxHint);
  app.onProfile(renderProfile);
  app.onUser((user) => {
    byId("session-list").replaceChildren();
    if (!user) return;
    renderProfile(user);
    void loadSessions();
  });
  renderMailboxHint();
}
