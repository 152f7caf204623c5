// The page around the spec's examples: an account form and a drum pattern to save and share,
// written against the spec's interfaces only (serviceFactory, IAuthService).

import { patternStorage } from "./pattern-storage.js";
import { savePattern } from "./sequencer.js";
import { serviceFactory } from "./service-factory.js";
import { sharePattern } from "./share-pattern.js";
import { showToast } from "./toast.js";

const INSTRUMENTS = ["kick", "snare", "hihat"];
const byId = (id) => document.getElementById(id);
const authService = serviceFactory.getAuthService();
let pattern = null;

function renderAuth(state) {
  byId("auth-state").textContent = state.isAuthenticated
    ? `Signed in as ${state.user.displayName || state.user.email}`
    : "Signed out";
}

/** A new drum pattern: 16 steps for each instrument, a few of them on. */
function newDrumPattern() {
  const tracks = INSTRUMENTS.map((instrument, i) => ({
    instrument,
    steps: Array.from({ length: 16 }, (_, step) => (step + i * 2) % (4 + i * 2) === 0),
    volume: 0.8,
  }));
  return { name: `Beat ${new Date().toLocaleTimeString()}`, tempo: 120, tracks, mixer: {}, isPublic: false };
}

async function renderPatterns() {
  const list = byId("patterns");
  list.replaceChildren();
  for (const saved of await patternStorage.loadPatterns()) {
    const share = document.createElement("button");
    share.type = "button";
    share.textContent = "Share";
    share.dataset.patternId = saved.id;
    share.addEventListener("click", () => busy(() => sharePattern(saved.id)));
    const item = document.createElement("li");
    item.append(`${saved.name} (${saved.tempo} BPM) `, share);
    list.append(item);
  }
}

/** Runs an action with the page marked busy; its failure becomes an error toast. */
async function busy(action) {
  document.body.setAttribute("aria-busy", "true");
  try {
    await action();
  } catch (error) {
    showToast({ type: "error", message: error.message });
  } finally {
    document.body.removeAttribute("aria-busy");
  }
}

const field = (id) => byId(id).value;

byId("auth-form").addEventListener("submit", (event) => {
  event.preventDefault();
  void busy(() => authService.signIn(field("email"), field("password")));
});
byId("sign-up").addEventListener("click", () =>
  busy(() => authService.signUp(field("email"), field("password"), field("display-name"))),
);
byId("sign-out").addEventListener("click", () => busy(() => authService.signOut()));
byId("new-pattern").addEventListener("click", () => {
  pattern = newDrumPattern();
  byId("current-pattern").textContent = `${pattern.name}: ${pattern.tracks.length} tracks, not saved yet.`;
});
byId("save-pattern").addEventListener("click", () =>
  busy(async () => {
    pattern ??= newDrumPattern();
    await savePattern(pattern);
    byId("current-pattern").textContent = `${pattern.name}: saved.`;
    pattern = null;
    await renderPatterns();
  }),
);

byId("mode").textContent = serviceFactory.mode;
authService.onAuthStateChanged(renderAuth);
await busy(async () => {
  renderAuth(await authService.init());
  await renderPatterns();
});
document.body.dataset.ready = "true";
