// Passkeys in the demo: "Sign in with a passkey" (no email or password) beside the sign-in form,
// and in the account panel the user's passkeys: add one on this device, rename, remove.
import { byId, h, latestLoad, withLoading } from "./ui.js";

const when = (iso) => (iso ? new Date(iso).toLocaleString() : "never");

/** Initializes the passkey button of the sign-in form and the account panel's passkey section. */
export function initPasskeys(app) {
  const { backline } = app;
  const panel = byId("passkey-panel");
  const signIn = byId("passkey-sign-in");

  const list = h("ul", { id: "passkey-list", className: "list" });
  const name = h("input", { id: "passkey-name", placeholder: "e.g. My laptop", maxLength: 64 });
  const password = h("input", { id: "passkey-password", type: "password", autocomplete: "current-password" });
  const add = h("button", { type: "submit", id: "passkey-add" }, "Add a passkey");
  const addForm = h(
    "form",
    { id: "passkey-add-form", className: "row" },
    h("label", {}, "Name (optional) ", name),
    h("label", {}, "Password (if the account has one) ", password),
    add,
  );
  const unsupported = h(
    "p",
    { id: "passkeys-unsupported", className: "muted", hidden: true },
    "This browser cannot use passkeys here (they need WebAuthn and an https or localhost page).",
  );
  panel.replaceChildren(list, addForm, unsupported);

  function renderSupport() {
    const supported = backline.passkeys.isSupported();
    signIn.hidden = !supported;
    addForm.hidden = !supported;
    unsupported.hidden = supported;
  }

  function item(passkey) {
    const rename = h("input", { className: "passkey-rename-input", value: passkey.name, maxLength: 64 });
    const save = h("button", { type: "button", className: "rename-passkey" }, "Rename");
    const remove = h("button", { type: "button", className: "remove-passkey danger" }, "Remove");
    save.addEventListener("click", async () => {
      const done = await withLoading("Renaming the passkey", save, () =>
        backline.passkeys.rename(passkey.id, rename.value),
      );
      if (done.ok) {
        app.notice(`Passkey renamed to “${done.value.name}”.`);
        await load();
      }
    });
    remove.addEventListener("click", async () => {
      const done = await withLoading("Removing the passkey", remove, () =>
        backline.passkeys.remove(passkey.id),
      );
      if (done.ok) {
        app.notice(`Passkey “${passkey.name}” removed.`);
        await load();
      }
    });
    return h(
      "li",
      { className: "passkey-item", dataset: { passkeyId: passkey.id } },
      h("span", { className: "passkey-name" }, passkey.name),
      h(
        "span",
        { className: "muted" },
        ` · added ${when(passkey.createdAt)}, last used ${when(passkey.lastUsedAt)}`,
      ),
      h("span", { className: "actions" }, rename, save, remove),
    );
  }

  const passkeysLoad = latestLoad();

  async function load() {
    const loaded = await passkeysLoad("Loading your passkeys", null, () => backline.passkeys.list());
    if (!loaded.ok) return;
    list.replaceChildren(
      ...(loaded.value.length > 0
        ? loaded.value.map(item)
        : [h("li", { className: "muted" }, "No passkeys yet.")]),
    );
  }

  addForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const added = await withLoading("Adding a passkey", add, () =>
      backline.passkeys.register(name.value.trim() || undefined, password.value || undefined),
    );
    password.value = "";
    if (!added.ok) return;
    name.value = "";
    app.notice(`Passkey “${added.value.name}” added: sign in with it, no password needed.`);
    await load();
  });

  signIn.addEventListener("click", async () => {
    await withLoading("Signing in with a passkey", signIn, () => backline.auth.signInWithPasskey());
  });

  app.onModeChanged(renderSupport);
  app.onUser((user) => {
    list.replaceChildren();
    if (user) void load();
  });
  renderSupport();
}
