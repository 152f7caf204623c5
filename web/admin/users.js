// Users: search by email, view one (tier, role, second factors, live sessions, subscription,
// invoices, their audit trail), change the role, disable or enable, sign out of one session or
// everywhere, reset second factors. A role change or a disable signs the user out everywhere.
import { byId, h, latestLoad, withLoading } from "../ui.js";
import { auditRow, invoiceTable, subscriptionText } from "./billing-parts.js";
import { table } from "./forms.js";

function describeMfa(mfa) {
  const parts = [
    mfa.totp ? "authenticator app" : null,
    mfa.passkeys > 0 ? `${mfa.passkeys} passkey(s)` : null,
  ];
  return parts.filter(Boolean).join(", ") || "none";
}

export function initUsers(backline) {
  const admin = backline.admin;
  let query = { q: "" };
  let nextCursor = null;
  let rows = [];

  function userRow(user) {
    return h(
      "tr",
      { dataset: { user: user.id } },
      h("td", {}, user.email),
      h("td", {}, user.displayName),
      h("td", {}, user.role),
      h("td", {}, user.tier),
      h("td", {}, user.disabled ? "disabled" : "active"),
      h("td", {}, h("button", { type: "button", onclick: (e) => view(user.id, e.currentTarget) }, "View")),
    );
  }

  function render() {
    byId("user-table").replaceChildren(
      table(h, ["Email", "Name", "Role", "Tier", "State", ""], rows, "No users match."),
    );
    byId("user-more").hidden = !nextCursor;
  }

  const latest = latestLoad();

  async function search(more, control) {
    const cursor = more ? (nextCursor ?? undefined) : undefined;
    if (!more) byId("user-more").hidden = true;
    const result = await latest("Searching users", control, () => admin.users.list({ ...query, cursor }));
    if (!result.ok) return;
    const page = result.value.users.map(userRow);
    rows = more ? [...rows, ...page] : page;
    nextCursor = result.value.nextCursor;
    render();
  }

  /** Runs a change after the admin confirms it, then shows the user again. */
  async function act(user, { question, label, run }, control) {
    if (question && !window.confirm(question)) return;
    const result = await withLoading(label, control, run);
    if (result.ok) await view(user.id, null, result.value);
  }

  /** The user's live sessions, each with its own sign-out. */
  function sessionsTable(user) {
    const rows = user.sessions.map((s) =>
      h(
        "tr",
        { dataset: { session: s.id } },
        h("td", {}, s.userAgent ?? "unknown device"),
        h("td", {}, s.ip ?? ""),
        h("td", {}, s.method),
        h("td", {}, new Date(s.createdAt).toLocaleString()),
        h("td", {}, new Date(s.lastUsedAt).toLocaleString()),
        h(
          "td",
          {},
          h(
            "button",
            {
              type: "button",
              onclick: (e) =>
                act(
                  user,
                  {
                    question: `End this session of ${user.email}?`,
                    label: "Ending the session",
                    run: async () => {
                      await admin.users.revokeSession(user.id, s.id);
                      return "Session ended.";
                    },
                  },
                  e.currentTarget,
                ),
            },
            "Sign out",
          ),
        ),
      ),
    );
    return table(h, ["Device", "IP", "Method", "Signed in", "Last used", ""], rows, "No live sessions.");
  }

  /** The user's audit trail: the view's first page, then more from the audit log by user. */
  function auditTrail(user) {
    const body = h("div", { id: "user-audit" });
    const more = h("button", { type: "button", id: "user-audit-more" }, "More");
    let rows = user.audit.entries.map(auditRow);
    let cursor = user.audit.nextCursor;
    const render = () => {
      body.replaceChildren(table(h, ["When", "Action", "Actor", "Target", "Details"], rows, "No entries."));
      more.hidden = !cursor;
    };
    more.addEventListener("click", async () => {
      const page = await withLoading("Loading the audit trail", more, () =>
        admin.auditLogs.list({ user: user.id, cursor }),
      );
      if (!page.ok) return;
      rows = [...rows, ...page.value.entries.map(auditRow)];
      cursor = page.value.nextCursor;
      render();
    });
    render();
    return [body, h("p", {}, more)];
  }

  /** The user's invoices, loaded on demand. */
  function invoices(user) {
    const box = h("div", { id: "user-invoices" });
    const show = h("button", { type: "button", id: "user-invoices-show" }, "Show invoices");
    show.addEventListener("click", async () => {
      const page = await withLoading("Loading invoices", show, () => admin.users.invoices(user.id));
      if (page.ok) box.replaceChildren(invoiceTable(h, page.value.invoices));
    });
    return [h("p", {}, show), box];
  }

  // The user last asked for is the one shown, whichever answer comes last.
  const userLoad = latestLoad();

  async function view(id, control, outcome) {
    const result = await userLoad("Loading the user", control, () => admin.users.get(id));
    if (!result.ok) return;
    const user = result.value;
    const detail = byId("user-detail");
    const otherRole = user.role === "admin" ? "user" : "admin";
    detail.replaceChildren(
      h("h3", {}, user.email),
      h(
        "dl",
        {},
        h("dt", {}, "Name"),
        h("dd", {}, user.displayName),
        h("dt", {}, "Role"),
        h("dd", {}, user.role),
        h("dt", {}, "Tier"),
        h("dd", {}, user.tier),
        h("dt", {}, "Email verified"),
        h("dd", {}, user.emailVerified ? "yes" : "no"),
        h("dt", {}, "Account"),
        h("dd", {}, user.disabled ? "disabled" : "active"),
        h("dt", {}, "Second factors"),
        h("dd", {}, describeMfa(user.mfa)),
        h("dt", {}, "Joined"),
        h("dd", {}, new Date(user.createdAt).toLocaleString()),
        h("dt", {}, "Subscription"),
        h("dd", { id: "user-subscription" }, subscriptionText(user.subscription)),
      ),
      // replaceChildren writes a null child as the text "null".
      ...(outcome ? [h("p", { className: "notice" }, outcome)] : []),
      h(
        "p",
        {},
        h(
          "button",
          {
            type: "button",
            onclick: (e) =>
              act(
                user,
                {
                  question: `Make ${user.email} ${otherRole === "admin" ? "an admin" : "a regular user"}? They are signed out everywhere.`,
                  label: "Changing the role",
                  run: async () => {
                    await admin.users.update(user.id, { role: otherRole });
                    return `Role changed to ${otherRole}.`;
                  },
                },
                e.currentTarget,
              ),
          },
          otherRole === "admin" ? "Make admin" : "Make regular user",
        ),
        h(
          "button",
          {
            type: "button",
            onclick: (e) =>
              act(
                user,
                {
                  question: user.disabled
                    ? null
                    : `Disable ${user.email}? They are signed out everywhere and cannot sign in.`,
                  label: user.disabled ? "Enabling the account" : "Disabling the account",
                  run: async () => {
                    await admin.users.update(user.id, { disabled: !user.disabled });
                    return user.disabled ? "Account enabled." : "Account disabled.";
                  },
                },
                e.currentTarget,
              ),
          },
          user.disabled ? "Enable" : "Disable",
        ),
        h(
          "button",
          {
            type: "button",
            onclick: (e) =>
              act(
                user,
                {
                  question: `Sign ${user.email} out on every device?`,
                  label: "Signing the user out everywhere",
                  run: async () =>
                    `${(await admin.users.signOutEverywhere(user.id)).revoked} session(s) ended.`,
                },
                e.currentTarget,
              ),
          },
          "Sign out everywhere",
        ),
        h(
          "button",
          {
            type: "button",
            disabled: !user.mfa.totp && user.mfa.passkeys === 0,
            onclick: (e) =>
              act(
                user,
                {
                  question: `Remove every second factor of ${user.email} (authenticator app, recovery codes, passkeys)? They are emailed.`,
                  label: "Resetting second factors",
                  run: async () => {
                    await admin.users.resetMfa(user.id);
                    return "Second factors removed.";
                  },
                },
                e.currentTarget,
              ),
          },
          "Reset second factors",
        ),
      ),
      h("h4", {}, `Live sessions (${user.sessions.length})`),
      h("div", { id: "user-sessions" }, sessionsTable(user)),
      h("h4", {}, "Invoices"),
      ...invoices(user),
      h("h4", {}, "Audit trail (as actor or target)"),
      ...auditTrail(user),
    );
    detail.hidden = false;
  }

  byId("user-search").addEventListener("submit", (event) => {
    event.preventDefault();
    query = { q: String(new FormData(event.currentTarget).get("q") ?? "").trim() };
    void search(false, event.currentTarget.querySelector("button"));
  });
  byId("user-more").addEventListener("click", (event) => search(true, event.currentTarget));

  return () => search(false, null);
}
