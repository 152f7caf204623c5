// The pattern panel: edit a 16-step grid, save, list, open (also by id), delete, sync and
// share patterns.
import { emptyPattern, playOnce, renderGrid } from "./grid.js";
import { byId, h, latestLoad, withLoading } from "./ui.js";

/** Initializes the panel; `app` is the shared app object of app.js. */
export function initPatterns(app) {
  const { backline } = app;
  let current = emptyPattern();
  let patterns = [];

  function toggle(t, s) {
    const track = current.tracks[t];
    track.steps[s] = !(track.steps[s] === true || track.steps[s] > 0);
    drawEditor();
  }

  function drawEditor() {
    byId("pattern-name").value = current.name;
    byId("pattern-tempo").value = String(current.tempo);
    byId("pattern-id").textContent = current.id ? `Saved as ${current.id}` : "Not saved yet";
    renderGrid(byId("grid"), current, toggle);
  }

  function readEditor() {
    current.name = byId("pattern-name").value;
    current.tempo = Number(byId("pattern-tempo").value);
  }

  function drawList() {
    const list = byId("pattern-list");
    if (patterns.length === 0) {
      list.replaceChildren(h("li", { className: "muted" }, "No patterns yet."));
      return;
    }
    list.replaceChildren(
      ...patterns.map((p) => {
        const item = h(
          "li",
          { className: "pattern-item", dataset: { patternId: p.id, name: p.name } },
          h("span", { className: "pattern-name" }, p.name),
          h("span", { className: "muted" }, ` ${p.tempo} BPM`),
        );
        const open = h(
          "button",
          { type: "button", className: "open", onclick: () => openPattern(p) },
          "Open",
        );
        const share = h("button", { type: "button", className: "share" }, "Copy link");
        share.addEventListener("click", () => copyLink(p, share));
        const remove = h("button", { type: "button", className: "delete" }, "Delete");
        remove.addEventListener("click", () => deletePattern(p, remove));
        item.append(h("span", { className: "actions" }, open, share, remove));
        return item;
      }),
    );
  }

  function openPattern(pattern) {
    current = structuredClone(pattern);
    drawEditor();
  }

  /** Opens a pattern from the server by id: yours to edit, anyone else's public one as a copy. */
  async function openById(id) {
    const loaded = await withLoading("Opening the pattern", byId("open-by-id"), () =>
      backline.dataSync.loadPattern(id),
    );
    if (!loaded.ok) return;
    const pattern = loaded.value;
    const mine = patterns.some((p) => p.id === pattern.id);
    const { name, tempo, tracks, mixer } = pattern;
    current = mine ? structuredClone(pattern) : { ...emptyPattern(), name, tempo, tracks, mixer };
    drawEditor();
    app.notice(mine ? `Opened “${name}”.` : `Opened a copy of “${name}”: save it to keep it.`);
  }

  const listLoad = latestLoad();

  async function refreshList() {
    const loaded = await listLoad("Loading your patterns", null, () => backline.dataSync.loadPatterns());
    if (!loaded.ok) return;
    patterns = (Array.isArray(loaded.value) ? loaded.value : (loaded.value?.patterns ?? [])).filter(
      (p) => !p.deletedAt,
    );
    drawList();
  }

  async function save() {
    readEditor();
    const saved = await withLoading("Saving the pattern", byId("save-pattern"), () =>
      backline.dataSync.savePattern(current),
    );
    if (!saved.ok) return;
    if (saved.value && typeof saved.value === "object" && saved.value.id)
      current = structuredClone(saved.value);
    app.notice(
      app.user ? `Saved “${current.name}”.` : `Saved “${current.name}” in this browser; sign in to sync it.`,
    );
    drawEditor();
    await refreshList();
  }

  async function deletePattern(pattern, button) {
    const done = await withLoading(`Deleting “${pattern.name}”`, button, () =>
      backline.dataSync.deletePattern(pattern.id),
    );
    if (!done.ok) return;
    if (current.id === pattern.id) current = emptyPattern();
    drawEditor();
    await refreshList();
  }

  /** Syncs; `quiet` (the automatic sync at sign-in) only reports when something moved. */
  async function sync(button, quiet = false) {
    const result = await withLoading("Syncing patterns", button, () => backline.dataSync.syncPatterns());
    if (!result.ok) return;
    const { uploaded, downloaded } = result.value;
    if (!quiet || uploaded + downloaded > 0)
      app.notice(`Synced: ${uploaded} uploaded, ${downloaded} downloaded.`);
    await refreshList();
  }

  async function copyLink(pattern, button) {
    const share = await withLoading(`Creating a link to “${pattern.name}”`, button, () =>
      backline.sharing.createShareLink(pattern.id, { public: true, expiresIn: null }),
    );
    if (!share.ok) return;
    const url = share.value.url;
    const link = byId("share-url");
    link.href = url;
    link.textContent = url;
    byId("share-result").hidden = false;
    try {
      await navigator.clipboard.writeText(url);
      app.notice("Link copied to the clipboard.");
    } catch {
      app.notice("Here is the link; copy it from the page (the clipboard is not available).");
    }
  }

  byId("pattern-name").addEventListener("input", readEditor);
  byId("pattern-tempo").addEventListener("input", readEditor);
  byId("new-pattern").addEventListener("click", () => {
    current = emptyPattern();
    drawEditor();
  });
  byId("save-pattern").addEventListener("click", save);
  byId("open-by-id-form").addEventListener("submit", (event) => {
    event.preventDefault();
    void openById(byId("open-id").value.trim());
  });
  byId("sync-patterns").addEventListener("click", (event) => sync(event.currentTarget, false));
  byId("play").addEventListener("click", () => {
    readEditor();
    playOnce(current);
  });

  let lastUser;
  app.onUser(async (user) => {
    const signedInNow = user && user.id !== lastUser?.id;
    lastUser = user;
    // Patterns saved while signed out reach the cloud as soon as someone signs in.
    if (signedInNow) await sync(byId("sync-patterns"), true);
    else await refreshList();
  });
  drawEditor();
}
