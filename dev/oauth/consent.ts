import type { Hono } from "hono";
import { escapeHtml } from "../http-util";
import { TEST_ACCOUNTS, type TestAccount } from "./accounts";
import { type Grant, type Grants, isHttpUrl, type OAuthClient } from "./grants";

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem auto; max-width: 28rem; color: #1f2328; }
h1 { font-size: 1.3rem; }
form { margin: .5rem 0; }
button { width: 100%; padding: .6rem; text-align: left; border: 1px solid #d0d7de; border-radius: 6px; background: #fff; cursor: pointer; }
button:hover { background: #f6f8fa; }
fieldset { border: 1px solid #d0d7de; border-radius: 6px; margin-top: 1rem; }
input[type=email], input[type=text] { width: 100%; margin: .2rem 0 .5rem; }
.deny { color: #cf222e; }
small { color: #59636e; }
`;

/** The query of the authorization request, carried through the consent form unchanged. */
export type AuthorizationParams = Record<string, string>;

/**
 * The consent page of a provider stand-in: one button per test account, a form for any other
 * address, and "Deny". Each posts the authorization request back to `action`.
 */
export function renderConsentPage(provider: string, action: string, params: AuthorizationParams): string {
  const hidden = Object.entries(params)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join("");
  const form = (fields: string, label: string, extra = "") =>
    `<form method="post" action="${escapeHtml(action)}">${hidden}${fields}<button type="submit"${extra}>${label}</button></form>`;
  const accountButton = (account: TestAccount) =>
    form(
      accountFields(account),
      `${escapeHtml(account.name)} <small>&lt;${escapeHtml(account.email)}&gt;${account.emailVerified ? "" : " (email not verified)"}</small>`,
      ` data-email="${escapeHtml(account.email)}"`,
    );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in with ${escapeHtml(provider)} (local stand-in)</title>
<style>${STYLE}</style></head>
<body><h1>Sign in with ${escapeHtml(provider)}</h1>
<p><small>Local stand-in: no real account is involved. Choose who you are.</small></p>
${TEST_ACCOUNTS.map(accountButton).join("\n")}
<fieldset><legend>Someone else</legend>
${form(
  `<label>Email <input type="email" name="email" required></label>
<label>Name <input type="text" name="name"></label>
<label><input type="checkbox" name="email_verified" value="true" checked> email verified</label>`,
  "Continue",
)}</fieldset>
${form('<input type="hidden" name="decision" value="deny">', "Deny", ' class="deny"')}
</body></html>`;
}

function accountFields(account: TestAccount): string {
  return [
    `<input type="hidden" name="email" value="${escapeHtml(account.email)}">`,
    `<input type="hidden" name="name" value="${escapeHtml(account.name)}">`,
    `<input type="hidden" name="email_verified" value="${account.emailVerified}">`,
  ].join("");
}

/** The account a consent form chose, or undefined when it denied or named no address. */
export function chosenAccount(form: Record<string, string>): TestAccount | "denied" | undefined {
  if (form.decision === "deny") return "denied";
  const email = form.email?.trim().toLowerCase();
  if (!email?.includes("@")) return undefined;
  return { email, name: form.name?.trim() || email, emailVerified: form.email_verified === "true" };
}

/** How one provider's authorization endpoint differs from the others'. */
export interface AuthorizeOptions {
  /** The provider's name on the consent page. */
  provider: string;
  /** The endpoint's path under the app's base path, and the base path (the consent form posts there). */
  path: string;
  basePath: string;
  client: OAuthClient;
  grants: Grants;
  /** What else the provider requires of an authorization request (e.g. OIDC's openid scope). */
  extraFault?: (params: AuthorizationParams) => string | undefined;
  /** The `error_description` the provider sends with a denied consent, if any. */
  deniedDescription?: string;
  /** What else the code carries (e.g. the OIDC nonce) and what else the redirect says (e.g. scope). */
  grantExtras?: (form: AuthorizationParams) => Partial<Grant>;
  redirectExtras?: (form: AuthorizationParams) => Record<string, string>;
}

/**
 * The authorization endpoint both stand-ins share: GET shows the consent page, POST (the page's
 * form) sends the browser back to `redirect_uri` with a code and the state, or with access_denied.
 */
export function authorizeRoutes(app: Hono, o: AuthorizeOptions): void {
  const fault = (params: AuthorizationParams) =>
    authorizationFault(params, o.client) ?? o.extraFault?.(params);

  app.get(o.path, (c) => {
    const params = c.req.query();
    const problem = fault(params);
    if (problem) return c.text(`Invalid authorization request: ${problem}`, 400);
    return c.html(renderConsentPage(o.provider, `${o.basePath}${o.path}`, params));
  });

  app.post(o.path, async (c) => {
    const form = (await c.req.parseBody()) as AuthorizationParams;
    const problem = fault(form);
    if (problem) return c.text(`Invalid authorization request: ${problem}`, 400);
    const redirect = new URL(form.redirect_uri as string);
    if (form.state) redirect.searchParams.set("state", form.state);
    const account = chosenAccount(form);
    if (account === undefined) return c.text("Choose an account or deny.", 400);
    if (account === "denied") {
      redirect.searchParams.set("error", "access_denied");
      if (o.deniedDescription) redirect.searchParams.set("error_description", o.deniedDescription);
      return c.redirect(redirect.toString(), 302);
    }
    const code = o.grants.issueCode({
      clientId: o.client.id,
      redirectUri: form.redirect_uri as string,
      account,
      codeChallenge: form.code_challenge,
      scope: form.scope ?? "",
      ...o.grantExtras?.(form),
    });
    redirect.searchParams.set("code", code);
    for (const [name, value] of Object.entries(o.redirectExtras?.(form) ?? {}))
      redirect.searchParams.set(name, value);
    return c.redirect(redirect.toString(), 302);
  });
}

/** What every provider checks in an authorization request. */
function authorizationFault(params: AuthorizationParams, client: OAuthClient): string | undefined {
  if (params.client_id !== client.id) return "unknown client_id";
  if (!isHttpUrl(params.redirect_uri)) return "redirect_uri must be an http(s) URL";
  if (params.code_challenge && params.code_challenge_method !== "S256") {
    return "code_challenge_method must be S256";
  }
  return undefined;
}
