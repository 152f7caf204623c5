// API keys in the demo's account panel: create a key for server-to-server calls (name, scopes,
// optional expiry), its secret shown once with a copy button, the list of keys, rotate (the new
// secret shown once, and until when the old one works) and revoke after a confirmation.
import { keyItem, secretOnce } from "./key-list.js";
import { byId, h, latestLoad, withLoading } from "./ui.js";

/**
 * The scopes the API accepts (shared/auth/api-key-scopes.ts: API_KEY_SCOPES and SCOPE_ROLES);
 * the SDK does not export the list, so the page keeps a copy. `role`: who may hold the scope.
 */
const SCOPES = [
  { scope: "patterns:read", what: "read patterns" },
  { scope: "patterns:write", what: "create, change and delete patterns" },
  { scope: "progress:read", what: "read lesson progress" },
  { scope: "progress:write", what: "record lesson progress" },
  { scope: "lessons:read", what: "read lessons" },
  { scope: "lessons:write", what: "write lessons", role: "admin" },
];

/** The end of the chosen day in the browser's time zone, as the API wants it (ISO 8601). */
function endOfDay(dateValue) {
  return dateValue ? new Date(`${dateValue}T23:59:59`).toISOString() : undefined;
}

/** Today as an `<input type="date">` value, the earliest expiry the form offers. */
function today() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** Initializes the account panel's API keys part; `app` is app.js's shared object. */
export function initApiKeys(app) {
  const { backline } = app;
  const panel = byId("api-key-panel");

  const name = h("input", { id: "api-key-name", placeholder: "e.g. Nightly export", maxLength: 100 });
  const scopeBoxes = SCOPES.map(({ scope, what, role }) =>
    h(
      "label",
      { className: "api-key-scope", dataset: role ? { scope, role } : { scope } },
      h("input", { type: "checkbox", name: "api-key-scope", value: scope }),
      ` ${scope} `,
      h("span", { className: "muted" }, `(${what}${role ? `; ${role}s only` : ""})`),
    ),
  );
  const expires = h("input", { id: "api-key-expires", type: "date", min: today() });
  const create = h("button", { type: "submit", id: "api-key-create" }, "Create a key");
  const form = h(
    "form",
    { id: "api-key-form" },
    h("label", {}, "Name ", name),
    h("fieldset", { id: "api-key-scopes" }, h("legend", {}, "What the key may do"), scopeBoxes),
    h("label", {}, "Expires (optional, at the end of the day) ", expires),
    h("div", { className: "actions" }, create),
  );

  const once = secretOnce(
    app,
    "api-key",
    h(
      "p",
      {},
      "Copy it now: you won't see it again (only a hash is kept). If you lose it, rotate or revoke the key. ",
      "Send it as ",
      h("code", {}, "Authorization: Bearer bk_…"),
      ".",
    ),
  );
  const list = h("ul", { id: "api-key-list", className: "list" });
  panel.replaceChildren(form, once.box, list);

  /** Scopes above the user's role are not offered (the API would refuse them anyway). */
  function renderScopes(user) {
    for (const label of scopeBoxes) {
      const allowed = !label.dataset.role || label.dataset.role === user?.role;
      label.hidden = !allowed;
      if (!allowed) label.querySelector("input").checked = false;
    }
  }

  function item(key) {
    return keyItem(key, {
      kind: "api-key",
      data: { apiKeyId: key.id },
      label: "key",
      rotate: () => backline.apiKeys.rotate(key.id),
      revoke: () => backline.apiKeys.revoke(key.id),
      onRotated: async (rotated) => {
        once.show(
          rotated.id,
          `New secret of “${rotated.name}”:`,
          rotated.secret,
          rotated.previousSecretValidUntil,
        );
        await load();
      },
      onRevoked: async () => {
        if (once.showing(key.id)) once.hide();
        app.notice(`API key “${key.name}” revoked: calls made with it are refused.`);
        await load();
      },
    });
  }

  const keysLoad = latestLoad();

  async function load() {
    const loaded = await keysLoad("Loading your API keys", null, () => backline.apiKeys.list());
    if (!loaded.ok) return;
    list.replaceChildren(
      ...(loaded.value.length > 0
        ? loaded.value.map(item)
        : [h("li", { className: "muted" }, "No API keys yet.")]),
    );
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const scopes = [...form.querySelectorAll("input[name='api-key-scope']:checked")].map((box) => box.value);
    const created = await withLoading("Creating an API key", create, () =>
      backline.apiKeys.create({ name: name.value.trim(), scopes, expiresAt: endOfDay(expires.value) }),
    );
    if (!created.ok) return;
    form.reset();
    once.show(created.value.id, `Your new key “${created.value.name}”:`, created.value.secret);
    await load();
  });

  app.onUser((user) => {
    once.hide();
    list.replaceChildren();
    renderScopes(user);
    if (user) void load();
  });
  renderScopes(app.user);
}
