/**
 * The problem a provider flow returned to this page with: the API's callback sends the browser
 * back with `error=<problem type>` in the query (functions/auth/oauth.ts), never a token.
 */
import { oauthProblems } from "../../../shared/auth/oauth-problems";
import { authProblems } from "../../../shared/auth/problems";
import { type ApiError, problems } from "../../../shared/errors";
import { BacklineError, fromApiError, PROBLEM_BASE } from "../errors";
import { browser } from "../globals";

/** The problems a callback can land with, so the error carries the server's own title and status. */
function landingProblems(): ApiError[] {
  return [
    ...Object.values(oauthProblems).map((make) => make()),
    authProblems.accountDisabled(),
    problems.unavailable(),
    problems.internal(),
  ];
}

/** The BacklineError of a problem type found in the URL. */
export function problemOfType(type: string, instance: string): BacklineError {
  const known = landingProblems().find((p) => p.type === type);
  if (known) return fromApiError(known, instance);
  return new BacklineError({
    type,
    title: "Signing in with the provider did not complete",
    status: 400,
    instance,
  });
}

/**
 * Reads and removes (history.replaceState, so a reload or a shared URL does not show it again)
 * the `error` a provider flow left in the page URL; null when there is none or it is not a
 * Backline problem type (the app's own `error` parameters are left alone).
 */
export function takeRedirectError(): BacklineError | null {
  const href = browser.location?.href;
  if (!href) return null;
  const url = new URL(href);
  const type = url.searchParams.get("error");
  if (!type?.startsWith(PROBLEM_BASE)) return null;
  url.searchParams.delete("error");
  browser.history?.replaceState(browser.history.state, "", url.toString());
  return problemOfType(type, url.pathname);
}
