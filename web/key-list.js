// One API key in a list, the account's keys (api-keys.js) and a team's (team-keys.js) alike:
// its facts and, while it is live, Rotate and Revoke behind a confirmation naming what stops
// working. `kind` prefixes the class names ("api-key", "team-key"), so each list keeps its own.
import { h, withLoading } from "./ui.js";

export const when = (iso) => (iso ? new Date(iso).toLocaleString() : "never");

/** Where a key stands, for its label and its `data-state`. */
export function stateOf(key) {
  if (key.revokedAt) return "revoked";
  if (key.expiresAt && Date.parse(key.expiresAt) <= Date.now()) return "expired";
  return "live";
}

/**
 * The key's list item. `options`: `kind`; `data` (the item's dataset); `label` ("key", "team
 * key") for the progress messages; `creator` (a name, when known); `rotate()` and `revoke()`, the
 * SDK calls; `onRotated(rotated)` and `onRevoked()`, what the list does after each.
 */
export function keyItem(key, options) {
  const { kind } = options;
  const state = stateOf(key);
  const facts = [
    `scopes ${key.scopes.join(", ")}`,
    `created ${when(key.createdAt)}${options.creator ? ` by ${options.creator}` : ""}`,
    `last used ${when(key.lastUsedAt)}`,
    key.expiresAt ? `expires ${when(key.expiresAt)}` : "no expiry",
    ...(key.rotatedAt ? [`rotated ${when(key.rotatedAt)}`] : []),
    ...(key.revokedAt ? [`revoked ${when(key.revokedAt)}`] : []),
  ];
  const row = h(
    "li",
    {
      className: kind === "api-key" ? "api-key-item" : `api-key-item ${kind}-item`,
      dataset: { ...options.data, state },
    },
    h("strong", { className: `${kind}-name` }, key.name),
    h("code", { className: `${kind}-hint` }, `${key.prefix}…${key.lastFour}`),
    state === "live" ? null : h("span", { className: `${kind}-state` }, state),
    h("span", { className: `muted ${kind}-facts` }, facts.join(" · ")),
  );
  if (state === "live") row.append(keyActions(key, options));
  return row;
}

function keyActions(key, { kind, label, rotate, revoke, onRotated, onRevoked }) {
  const rotateButton = h("button", { type: "button", className: `rotate-${kind}` }, "Rotate");
  const revokeButton = h("button", { type: "button", className: `revoke-${kind} danger` }, "Revoke…");
  const confirm = h("button", { type: "button", className: `confirm-revoke-${kind} danger` }, "Revoke it");
  const cancel = h("button", { type: "button", className: `cancel-revoke-${kind}` }, "Keep it");
  const asking = h(
    "span",
    { className: `${kind}-confirm`, hidden: true },
    `Revoke “${key.name}”? Calls made with it are refused at once. `,
    confirm,
    cancel,
  );
  const ask = (yes) => {
    asking.hidden = !yes;
    rotateButton.hidden = yes;
    revokeButton.hidden = yes;
  };
  revokeButton.addEventListener("click", () => ask(true));
  cancel.addEventListener("click", () => ask(false));
  confirm.addEventListener("click", async () => {
    const revoked = await withLoading(`Revoking the ${label} “${key.name}”`, confirm, revoke);
    if (revoked.ok) await onRevoked();
  });
  rotateButton.addEventListener("click", async () => {
    const rotated = await withLoading(`Rotating the ${label} “${key.name}”`, rotateButton, rotate);
    if (rotated.ok) await onRotated(rotated.value);
  });
  return h("span", { className: "actions" }, rotateButton, revokeButton, asking);
}

/**
 * The box that shows a new key's secret once, until the person says it is copied. `kind` names
 * its ids (`<kind>-secret`, `<kind>-copy`, `<kind>-grace`, `<kind>-secret-title`,
 * `<kind>-secret-done`, `<kind>-secret-box`); `note` says how to use the key. `show` also says
 * until when a rotated key's previous secret works; `showing(keyId)` tells whose secret is up.
 */
export function secretOnce(app, kind, note) {
  const title = h("p", { id: `${kind}-secret-title` });
  const secret = h("code", { id: `${kind}-secret` });
  const copy = h("button", { type: "button", id: `${kind}-copy` }, "Copy");
  const grace = h("p", { id: `${kind}-grace`, hidden: true });
  const done = h("button", { type: "button", id: `${kind}-secret-done` }, "I have copied it");
  const box = h(
    "div",
    { id: `${kind}-secret-box`, className: "api-key-secret", hidden: true },
    title,
    h("p", { className: "row" }, secret, copy),
    note,
    grace,
    done,
  );
  let shownKeyId = null;
  const hide = () => {
    shownKeyId = null;
    secret.textContent = "";
    grace.textContent = "";
    box.hidden = true;
  };
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(secret.textContent);
      app.notice("Key copied to the clipboard.");
    } catch {
      app.notice("Copy the key from the page (the clipboard is not available).");
    }
  });
  done.addEventListener("click", hide);
  return {
    box,
    hide,
    showing: (keyId) => shownKeyId === keyId,
    show(keyId, heading, value, validUntil) {
      shownKeyId = keyId;
      title.textContent = heading;
      secret.textContent = value;
      grace.hidden = !validUntil;
      grace.textContent = validUntil ? `The previous secret keeps working until ${when(validUntil)}.` : "";
      box.hidden = false;
    },
  };
}
