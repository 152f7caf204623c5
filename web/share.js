// The share page: a shared pattern, read-only, with its view count. /share/<id> links come
// from the real API; /share/stub/<id> links from the in-browser stub (same browser only).
import { createBackline } from "/sdk/backline.js";
import { playOnce, renderGrid } from "./grid.js";
import { byId, withLoading } from "./ui.js";

const config = window.BACKLINE_CONFIG ?? {};
const stub = location.pathname.startsWith("/share/stub/");
const backline = createBackline({ baseUrl: config.apiUrl ?? location.origin, mode: stub ? "stub" : "http" });
window.backline = backline;

const shareId = location.pathname.split("/").filter(Boolean).pop() ?? "";

async function show() {
  // Signed-in viewers can open links that are not public; a missing session is not an error here.
  await backline.auth.init().catch(() => undefined);
  const loaded = await withLoading("Loading the shared pattern", null, () =>
    backline.sharing.loadSharedPattern(shareId),
  );
  if (!loaded.ok) return;
  const { pattern, views } = loaded.value;
  document.title = `${pattern.name} · Music Producer Lab`;
  byId("shared-name").textContent = pattern.name;
  byId("shared-tempo").textContent = String(pattern.tempo);
  byId("shared-views").textContent = `${views} ${views === 1 ? "view" : "views"}`;
  byId("shared-views").dataset.views = String(views);
  renderGrid(byId("grid"), pattern);
  byId("shared").hidden = false;
  byId("play").addEventListener("click", () => playOnce(pattern));
}

await show();
document.body.dataset.ready = "true";
