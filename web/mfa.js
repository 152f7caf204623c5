// Two-step sign-in in the demo: the second step of a sign-in (a code of the authenticator app,
// a recovery code, or a passkey) and, in the account panel, setting up the authenticator app
// (QR code and secret), the recovery codes shown once, new codes and turning it off.
// The panel shows what the API says is on (mfa.status(): the app, recovery codes left) when the
// user signs in and after each change, and offers the buttons that fit.
import { isMfaRequired } from "/sdk/backline.js";
import { byId, h, latestLoad, withLoading } from "./ui.js";

/** The QR code as an image: the SVG never becomes part of the page's DOM (no script can run from it). */
function qrImage(svg) {
  return h("img", {
    id: "totp-qr",
    className: "qr",
    src: `data:image/svg+xml,${encodeURIComponent(svg)}`,
    alt: "QR code for your authenticator app",
    width: 200,
    height: 200,
  });
}

/** The recovery codes, shown once, with what they are for. */
function recoveryCodesBox(codes) {
  return h(
    "div",
    { className: "recovery-codes" },
    h(
      "p",
      {},
      "Your recovery codes: each signs you in once if you lose the app. Keep them somewhere safe, they are not shown again.",
    ),
    h("ol", { id: "recovery-codes" }, ...codes.map((code) => h("li", {}, h("code", {}, code)))),
  );
}

/**
 * The second step of a sign-in. `askSecondFactor` is the sign-in's catch: a sign-in that needs
 * a second factor shows the form instead of an error.
 */
export function initSecondStep(app) {
  const { backline } = app;
  const box = byId("second-step");
  let challenge = null;

  const code = h("input", {
    id: "mfa-code",
    autocomplete: "one-time-code",
    inputMode: "text",
    placeholder: "123456 or a recovery code",
    size: 24,
  });
  const submit = h("button", { type: "submit", id: "mfa-submit" }, "Verify");
  const usePasskey = h("button", { type: "button", id: "mfa-use-passkey" }, "Use a passkey");
  const cancel = h("button", { type: "button", id: "mfa-cancel", className: "link" }, "Cancel");
  const form = h(
    "form",
    { id: "mfa-form", className: "row" },
    h("label", {}, "Code from your authenticator app, or a recovery code ", code),
    submit,
    usePasskey,
    cancel,
  );
  box.replaceChildren(h("p", { id: "mfa-prompt" }, "This account signs in in two steps."), form);

  function show(problem) {
    challenge = problem.challenge;
    usePasskey.hidden = !problem.factors.includes("passkey");
    byId("auth-form").hidden = true;
    box.hidden = false;
    code.value = "";
    code.focus();
  }

  function hide() {
    challenge = null;
    box.hidden = true;
    byId("auth-form").hidden = Boolean(app.user);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await withLoading("Checking the code", submit, () =>
      backline.auth.completeSignIn({ challenge, code: code.value }),
    );
  });
  usePasskey.addEventListener("click", async () => {
    await withLoading("Signing in with a passkey", usePasskey, () =>
      backline.auth.completeSignIn({ challenge, passkey: true }),
    );
  });
  cancel.addEventListener("click", hide);
  app.onUser((user) => {
    if (user) hide();
  });

  return {
    /**
     * A Google or GitHub sign-in of an account with a second factor comes back with
     * `error=…/mfa-required`; the SDK's init() fetched the waiting sign-in (its challenge waits in a
     * cookie only the API reads): show the second step for it. An expired one is shown as an error
     * by web/identities.js.
     */
    resumeFromRedirect() {
      const landing = backline.auth.lastRedirectError();
      if (isMfaRequired(landing)) show(landing.problem);
    },
    /** For `signIn(...).catch(...)`: shows the second step for an mfa-required rejection, rethrows anything else. */
    askSecondFactor(error) {
      if (!isMfaRequired(error)) throw error;
      show(error.problem);
      return null;
    },
  };
}

/** The account panel's authenticator-app section. */
export function initMfaPanel(app) {
  const { backline } = app;
  const panel = byId("mfa-panel");

  const state = h("p", { id: "totp-state" });
  const password = h("input", { id: "totp-password", type: "password", autocomplete: "current-password" });
  const start = h("button", { type: "submit", id: "totp-start" }, "Set up an authenticator app");
  const startForm = h(
    "form",
    { id: "totp-start-form", className: "row" },
    h("label", {}, "Password (if the account has one) ", password),
    start,
  );

  const setup = h("div", { id: "totp-setup", hidden: true });
  const shown = h("div", { id: "recovery-codes-box", hidden: true });

  const factorCode = h("input", { id: "totp-factor-code", autocomplete: "one-time-code", size: 24 });
  const regenerate = h("button", { type: "button", id: "totp-regenerate" }, "New recovery codes");
  const disable = h("button", { type: "button", id: "totp-disable", className: "danger" }, "Turn off");
  const manage = h(
    "form",
    { id: "totp-manage-form", className: "row" },
    h("label", {}, "Code from the app, or a recovery code ", factorCode),
    regenerate,
    disable,
  );

  panel.replaceChildren(state, startForm, setup, shown, manage);

  /** What the panel says for a status of mfa.status(), "loading" or "unknown" (it could not be read). */
  function describe(status) {
    if (status === "loading") return "Authenticator app: checking…";
    if (status === "unknown") return "Authenticator app: could not check whether it is on.";
    if (!status.totp.enabled) return "Authenticator app: off.";
    const left = status.recoveryCodesLeft;
    return `Authenticator app: on. ${left} recovery code${left === 1 ? "" : "s"} left.`;
  }

  /**
   * Shows `status` with the buttons that fit: set up when off, manage when on, none while
   * loading, both when it could not be read (the API's 409 then says which applies).
   */
  function render(status) {
    const on = typeof status === "object" ? status.totp.enabled : undefined;
    state.dataset.status = on === undefined ? status : on ? "on" : "off";
    state.textContent = describe(status);
    startForm.hidden = on === true || status === "loading";
    manage.hidden = on === false || status === "loading";
  }

  // Reads answered out of order (a quick sign-out and in) must not show an older state.
  const statusLoad = latestLoad();
  /** Reads the state from the API and shows it (the last read asked for); on failure the error line says why. */
  async function refresh() {
    render("loading");
    const loaded = await statusLoad("Reading your two-step sign-in", null, () => backline.mfa.status());
    if (!loaded.superseded) render(loaded.ok ? loaded.value : "unknown");
  }

  function showCodes(codes) {
    shown.replaceChildren(recoveryCodesBox(codes));
    shown.hidden = false;
  }

  startForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const started = await withLoading("Setting up the authenticator app", start, () =>
      backline.mfa.enrollTotp(password.value || undefined),
    );
    password.value = "";
    if (!started.ok) return;
    const { secret, qrSvg } = started.value;
    const code = h("input", {
      id: "totp-code",
      autocomplete: "one-time-code",
      inputMode: "numeric",
      size: 8,
    });
    const verify = h("button", { type: "submit", id: "totp-verify" }, "Turn on");
    const verifyForm = h(
      "form",
      { className: "row" },
      h("label", {}, "First code from the app ", code),
      verify,
    );
    verifyForm.addEventListener("submit", async (submitted) => {
      submitted.preventDefault();
      const verified = await withLoading("Turning the authenticator app on", verify, () =>
        backline.mfa.verifyTotp(code.value),
      );
      if (!verified.ok) return;
      setup.hidden = true;
      setup.replaceChildren();
      showCodes(verified.value);
      await refresh();
      app.notice("Authenticator app on: the next sign-in asks for a code.");
    });
    setup.replaceChildren(
      h("p", {}, "Scan this with your authenticator app, or type the key by hand:"),
      qrImage(qrSvg),
      h("p", {}, "Key: ", h("code", { id: "totp-secret" }, secret)),
      verifyForm,
    );
    setup.hidden = false;
    shown.hidden = true;
    startForm.hidden = true;
    manage.hidden = true;
  });

  regenerate.addEventListener("click", async () => {
    const done = await withLoading("Making new recovery codes", regenerate, () =>
      backline.mfa.regenerateRecoveryCodes(factorCode.value),
    );
    factorCode.value = "";
    if (!done.ok) return;
    showCodes(done.value);
    await refresh();
    app.notice("New recovery codes: the old ones no longer work.");
  });

  disable.addEventListener("click", async () => {
    const done = await withLoading("Turning the authenticator app off", disable, () =>
      backline.mfa.disableTotp(factorCode.value),
    );
    factorCode.value = "";
    if (!done.ok) return;
    shown.hidden = true;
    await refresh();
    app.notice("Authenticator app off: sign-in asks for the password only.");
  });

  app.onUser((user) => {
    setup.hidden = true;
    setup.replaceChildren();
    shown.hidden = true;
    shown.replaceChildren();
    statusLoad.supersede();
    render("loading");
    if (user) void refresh();
  });
  render("loading");
}
