// The pages emailed links open: /verify-email?token=…, /reset-password?token=… and
// /confirm-email?token=… (links from the real API), /stub/verify-email, /stub/reset-password and
// /stub/confirm-email (links from the in-browser stub,
// which only this browser can follow).
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
byId("back-to-app").href = stub ? "/" : "/?backend=real";

function done() {
  byId("link-form").hidden = true;
  byId("link-done").hidden = false;
}

if (!token) {
  showError({ title: "This link has no token. Open the link from the email again" });
  byId("link-form").hidden = true;
} else if (document.body.dataset.page === "confirm-email") {
  byId("confirm-email-change").addEventListener("click", async (event) => {
    const result = await withLoading("Confirming your new email address", event.currentTarget, () =>
      backline.auth.confirmEmailChange(token),
    );
    if (result.ok) done();
  });
} else if (document.body.dataset.page === "verify-email") {
  byId("confirm-email").addEventListener("click", async (event) => {
    const result = await withLoading("Confirming your email address", event.currentTarget, () =>
      backline.auth.verifyEmail(token),
    );
    if (result.ok) done();
  });
} else {
  byId("link-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await withLoading("Setting your new password", byId("reset-submit"), () =>
      backline.auth.resetPassword({ token, newPassword: byId("new-password").value }),
    );
    if (result.ok) done();
  });
}
document.body.dataset.ready = "true";
