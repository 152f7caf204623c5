// The page an invitation email links to: /join?token=… (the real API) or /stub/join?token=…
// (the in-browser stub, this browser only). It shows what the link invites to, has the person
// sign in or sign up with the invited address, accepts, and lands in the team.
import { createBackline } from "/sdk/backline.js";
import { byId, showError, withLoading } from "./ui.js";

const config = window.BACKLINE_CONFIG ?? {};
const stub = location.pathname.startsWith("/stub/");
const backline = createBackline({
  baseUrl: config.apiUrl ?? location.origin,
  mode: stub ? "stub" : "http",
  stubAppUrl: `${location.origin}/stub`,
});
// For the console and the browser tests.
window.backline = backline;

const token = new URLSearchParams(location.search).get("token") ?? "";
byId("mode").textContent = stub ? "stub (this browser only)" : "real API";
byId("home-link").href = stub ? "/" : "/?backend=real";

/** The app, opened on the team. */
function teamUrl(teamId) {
  const url = new URL("/", location.origin);
  if (!stub) url.searchParams.set("backend", "real");
  url.searchParams.set("team", teamId);
  return url.toString();
}

async function accept(control) {
  const joined = await withLoading("Joining", control, () => backline.teams.acceptInvitation(token));
  if (!joined.ok) return;
  const { team } = joined.value;
  byId("join-signed-in").hidden = true;
  byId("join-auth").hidden = true;
  byId("join-team").textContent = team.name;
  byId("join-open").href = teamUrl(team.id);
  byId("join-done").hidden = false;
  location.assign(teamUrl(team.id));
}

/** Signed in: accept (or sign out when the address is another); signed out: the sign-in form. */
function render(preview, user) {
  byId("join-signed-in").hidden = !user;
  byId("join-auth").hidden = Boolean(user);
  if (user) {
    const same = user.email === preview.email;
    byId("join-as").textContent = same
      ? `Signed in as ${user.email}.`
      : `Signed in as ${user.email}, but the invitation is for another address: sign out and use that one.`;
    byId("join-accept").hidden = !same;
  } else {
    byId("join-email").value = preview.email;
  }
}

async function start() {
  if (!token) {
    showError({ title: "This link has no token. Open the link from the email again" });
    return;
  }
  const previewed = await withLoading("Reading the invitation", null, () =>
    backline.teams.previewInvitation(token),
  );
  if (!previewed.ok) return;
  const preview = previewed.value;
  const what = preview.kind === "class" ? "class" : "team";
  byId("page-title").textContent = `Join ${preview.teamName}`;
  byId("join-preview").textContent =
    `${preview.invitedBy} invited ${preview.email} to join the ${what} “${preview.teamName}” as ${preview.role}` +
    ` (the link works until ${new Date(preview.expiresAt).toLocaleString()}).`;
  const state = await withLoading("Checking your session", null, () => backline.auth.init());
  render(preview, state.ok ? state.value.user : null);

  byId("join-accept").addEventListener("click", (event) => accept(event.currentTarget));
  byId("join-sign-out").addEventListener("click", async (event) => {
    const out = await withLoading("Signing out", event.currentTarget, () => backline.auth.signOut());
    if (out.ok) render(preview, null);
  });
  byId("join-auth").addEventListener("submit", async (event) => {
    event.preventDefault();
    const signedIn = await withLoading("Signing in", byId("join-sign-in"), () =>
      backline.auth.signIn({ email: preview.email, password: byId("join-password").value }),
    );
    if (signedIn.ok) await accept(byId("join-sign-in"));
  });
  byId("join-sign-up").addEventListener("click", async (event) => {
    const control = event.currentTarget;
    const name = byId("join-name").value.trim() || preview.email.split("@")[0];
    const signedUp = await withLoading("Signing up", control, () =>
      backline.auth.signUp({
        email: preview.email,
        password: byId("join-password").value,
        displayName: name,
      }),
    );
    if (signedUp.ok) await accept(control);
  });
}

await start();
document.body.dataset.ready = "true";
