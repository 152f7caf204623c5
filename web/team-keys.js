// A team's API keys in the Teams & classes panel, for the team's managers (the API lets no one
// else list them): create a key that acts for the team (name and the team scopes its kind
// offers), its secret shown once with a copy button, the list, rotate (the new secret shown
// once) and revoke after a confirmation. Same look and wording as the account's keys (api-keys.js).
import { keyItem, secretOnce } from "./key-list.js";
import { h, latestLoad, withLoading } from "./ui.js";

/**
 * The scopes a team key may carry and the kinds that offer them (the SDK's TEAM_API_KEY_SCOPES;
 * shared/auth/api-key-scopes.ts TEAM_SCOPE_ROLES: every manager reads and writes the team's
 * patterns, only a class has progress to read). The page keeps a copy as api-keys.js does.
 */
const SCOPES = [
  { scope: "patterns:read", what: "read the team's patterns", kinds: ["team", "class"] },
  { scope: "patterns:write", what: "create and change the team's patterns", kinds: ["team", "class"] },
  { scope: "progress:read", what: "read the class's progress", kinds: ["class"] },
];

/**
 * Fills `root` with the team's keys part. `nameOf(userId)` names a member (for a key's creator);
 * every key says who made it (`createdBy`).
 */
export async function renderTeamKeys(app, root, team, nameOf) {
  const { backline } = app;
  const name = h("input", { id: "team-key-name", placeholder: "e.g. Crew export", maxLength: 100 });
  const scopeBoxes = SCOPES.filter(({ kinds }) => kinds.includes(team.kind)).map(({ scope, what }) =>
    h(
      "label",
      { className: "team-key-scope", dataset: { scope } },
      h("input", { type: "checkbox", name: "team-key-scope", value: scope }),
      ` ${scope} `,
      h("span", { className: "muted" }, `(${what})`),
    ),
  );
  const create = h("button", { type: "submit", id: "team-key-create" }, "Create a team key");
  const form = h(
    "form",
    { id: "team-key-form" },
    h("label", {}, "Name ", name),
    h("fieldset", { id: "team-key-scopes" }, h("legend", {}, "What the key may do for the team"), scopeBoxes),
    h("div", { className: "actions" }, create),
  );

  const once = secretOnce(
    app,
    "team-key",
    h(
      "p",
      { id: "team-key-once" },
      "Copy it now: it is shown once, you won't see it again (only a hash is kept). ",
      "If you lose it, rotate or revoke the key. Send it as ",
      h("code", {}, "Authorization: Bearer bk_…"),
      `; it acts for “${team.name}” only, and only while its creator manages the ${team.kind}.`,
    ),
  );
  const list = h("ul", { id: "team-key-list", className: "list" });
  root.replaceChildren(
    h("h4", {}, "Team API keys"),
    h(
      "p",
      { className: "muted" },
      `For the ${team.kind}'s scripts and servers: a key calls the API for the ${team.kind}, within its scopes.`,
    ),
    form,
    once.box,
    list,
  );

  function item(key) {
    return keyItem(key, {
      kind: "team-key",
      data: { keyId: key.id },
      label: "team key",
      creator: nameOf(key.createdBy),
      rotate: () => backline.teams.rotateApiKey(team.id, key.id),
      revoke: () => backline.teams.revokeApiKey(team.id, key.id),
      onRotated: async ({ id, name: keyName, secret: value, previousSecretValidUntil }) => {
        once.show(id, `New secret of “${keyName}”:`, value, previousSecretValidUntil);
        await load();
      },
      onRevoked: async () => {
        if (once.showing(key.id)) once.hide();
        app.notice(`Team API key “${key.name}” revoked: calls made with it are refused.`);
        await load();
      },
    });
  }

  const keysLoad = latestLoad();

  async function load() {
    const loaded = await keysLoad("Loading the team's API keys", null, () => backline.teams.apiKeys(team.id));
    if (!loaded.ok) return;
    list.replaceChildren(
      ...(loaded.value.length > 0
        ? loaded.value.map(item)
        : [h("li", { className: "muted" }, "No team API keys yet.")]),
    );
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const scopes = [...form.querySelectorAll("input[name='team-key-scope']:checked")].map((box) => box.value);
    const created = await withLoading("Creating a team API key", create, () =>
      backline.teams.createApiKey(team.id, { name: name.value.trim(), scopes }),
    );
    if (!created.ok) return;
    form.reset();
    once.show(created.value.id, `The team's new key “${created.value.name}”:`, created.value.secret);
    await load();
  });

  await load();
}
