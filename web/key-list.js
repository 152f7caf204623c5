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
