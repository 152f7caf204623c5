// The admin console: one Backline SDK instance, its own sign-in (with the second step of an
// account that has an authenticator app or a passkey), and one view per section.
// The backend: see backend-mode.js (a console deployed with the worker talks to its API).
import { createBackline, isMfaRequired } from "/sdk/backline.js";
import { byId, withLoading } from "../ui.js";
import { initAudit } from "./audit.js";
import { consoleMode } from "./backend-mode.js";
import { initBilling } from "./billing.js";
import { initDashboard } from "./dashboard.js";
import { initLessons } from "./lessons.js";
import { initUsers } from "./users.js";

const config = window.BACKLINE_CONFIG ?? {};
const backline = createBackline({
  mode: consoleMode(location.search, config),
  baseUrl: config.apiUrl ?? location.origin,
  // Stub mode: who becomes an admin on sign-up (the real API grants the role with db/admin-grant.ts).
  stubAdmins: config.stubAdmins ?? ["admin@example.com"],
});
window.backline = backline;

/** Each view's loader, run when its tab is opened (and the first time the console opens). */
const views = {
  lessons: initLessons(backline),
  users: initUsers(backline),
  dashboard: initDashboard(backline),
  billing: initBilling(backline),
  audit: initAudit(backline),
};
const opened = new Set();

function openView(name) {
  for (const button of document.querySelectorAll(".tabs button")) {
    if (button.dataset.view === name) button.setAttribute("aria-current", "page");
    else button.removeAttribute("aria-current");
  }
  for (const view of Object.keys(views)) byId(`view-${view}`).hidden = view !== name;
  if (!opened.has(name)) {
    opened.add(name);
    void views[name]();
  }
}

const secondStep = byId("second-step");
/** The challenge of a sign-in waiting for its second factor, or null. */
let challenge = null;

/** Shows the second step of a sign-in instead of the password form. */
function askSecondFactor(problem) {
  challenge = problem.challenge;
  byId("second-step-passkey").hidden = !problem.factors.includes("passkey");
  byId("sign-in-form").hidden = true;
  secondStep.hidden = false;
  secondStep.elements.code.value = "";
  secondStep.elements.code.focus();
}

function closeSecondStep() {
  challenge = null;
  secondStep.hidden = true;
  byId("sign-in-form").hidden = false;
}

/** Runs a sign-in step; one that needs a second factor shows that step instead of an error. */
async function signInStep(label, control, step) {
  const result = await withLoading(label, control, () =>
    step().catch((error) => {
      if (!isMfaRequired(error)) throw error;
      askSecondFactor(error.problem);
      return null;
    }),
  );
  if (result.ok && result.value) {
    closeSecondStep();
    showFor(result.value);
  }
}

/** Shows the sign-in form, the refusal, or the console, for this user. */
function showFor(user) {
  byId("auth-state").textContent = user ? `Signed in as ${user.email} (${user.role})` : "Signed out";
  byId("sign-out").hidden = !user;
  byId("sign-in").hidden = Boolean(user);
  byId("refusal").hidden = !user || user.role === "admin";
  const isAdmin = user?.role === "admin";
  byId("console").hidden = !isAdmin;
  if (isAdmin && opened.size === 0) openView("lessons");
  if (!isAdmin) opened.clear();
}

byId("mode").textContent = backline.mode === "http" ? "real API" : "in-browser stub";
for (const button of document.querySelectorAll(".tabs button")) {
  button.addEventListener("click", () => openView(button.dataset.view));
}
byId("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const data = new FormData(form);
  const email = String(data.get("email"));
  const password = String(data.get("password"));
  await signInStep("Signing in", form.querySelector("button"), () =>
    backline.auth.signIn({ email, password }),
  );
});
byId("sign-in-passkey").addEventListener("click", (event) =>
  signInStep("Signing in with a passkey", event.currentTarget, () => backline.auth.signInWithPasskey()),
);
secondStep.addEventListener("submit", async (event) => {
  event.preventDefault();
  const code = String(secondStep.elements.code.value).trim();
  await signInStep("Checking the code", secondStep.querySelector("button[type=submit]"), () =>
    backline.auth.completeSignIn({ challenge, code }),
  );
});
byId("second-step-passkey").addEventListener("click", (event) =>
  signInStep("Signing in with a passkey", event.currentTarget, () =>
    backline.auth.completeSignIn({ challenge, passkey: true }),
  ),
);
byId("second-step-cancel").addEventListener("click", closeSecondStep);
byId("sign-out").addEventListener("click", async (event) => {
  const result = await withLoading("Signing out", event.currentTarget, () => backline.auth.signOut());
  if (result.ok) showFor(null);
});
backline.auth.onAuthStateChanged((state) => showFor(state?.user ?? null));

const restored = await withLoading("Restoring your session", null, () => backline.auth.init());
showFor(restored.ok ? (restored.value?.user ?? null) : null);
document.body.dataset.ready = "true";
