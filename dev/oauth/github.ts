import { Hono } from "hono";
import { githubId, githubLogin } from "./accounts";
import { authorizeRoutes } from "./consent";
import { clientCredentials, Grants, isRefusal, type OAuthClient } from "./grants";

/** Where the GitHub stand-in is mounted: `/login/oauth/*` as on github.com, `/api/*` as api.github.com. */
export const GITHUB_BASE_PATH = "/oauth/github";
const AUTHORIZE = "/login/oauth/authorize";
const TOKEN = "/login/oauth/access_token";

/**
 * GitHub's OAuth app flow as the worker uses it: authorize (a consent page), the token endpoint
 * (which answers errors with 200 and an `error` field, like GitHub; PKCE S256 when the
 * authorization asked for it), and the REST API's `GET /user` and `GET /user/emails`.
 */
export function githubApp(client: OAuthClient): Hono {
  const grants = new Grants();
  const app = new Hono().basePath(GITHUB_BASE_PATH);

  authorizeRoutes(app, {
    provider: "GitHub",
    path: AUTHORIZE,
    basePath: GITHUB_BASE_PATH,
    client,
    grants,
    deniedDescription: "The user has denied your application access.",
  });

  app.post(TOKEN, async (c) => {
    const form = (await c.req.parseBody()) as Record<string, string>;
    const answer = (body: Record<string, string>) =>
      c.req.header("Accept")?.includes("json")
        ? c.json(body)
        : c.body(new URLSearchParams(body).toString(), 200, {
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
          });
    const credentials = clientCredentials(c.req.header("Authorization"), form);
    if (!credentials || credentials.id !== client.id || credentials.secret !== client.secret) {
      return answer({
        error: "incorrect_client_credentials",
        error_description: "The client_id and/or client_secret passed are incorrect.",
      });
    }
    const grant = grants.redeem(form.code ?? "", {
      clientId: credentials.id,
      redirectUri: form.redirect_uri,
      codeVerifier: form.code_verifier,
    });
    if (isRefusal(grant)) {
      return answer({ error: "bad_verification_code", error_description: grant.description });
    }
    return answer({
      access_token: `gho_${grants.issueAccessToken(grant.account)}`,
      token_type: "bearer",
      scope: grant.scope,
    });
  });

  app.get("/api/user", (c) => {
    const account = grants.accountFor(stripPrefix(c.req.header("Authorization")));
    if (!account) return c.json({ message: "Bad credentials", status: "401" }, 401);
    const login = githubLogin(account.email);
    return c.json({
      login,
      id: githubId(account.email),
      avatar_url: `https://avatars.githubusercontent.com/u/${githubId(account.email)}`,
      type: "User",
      name: account.name,
      // The public profile email: null unless the user chose to show one.
      email: null,
    });
  });

  app.get("/api/user/emails", (c) => {
    const account = grants.accountFor(stripPrefix(c.req.header("Authorization")));
    if (!account) return c.json({ message: "Bad credentials", status: "401" }, 401);
    const login = githubLogin(account.email);
    return c.json([
      { email: account.email, primary: true, verified: account.emailVerified, visibility: "private" },
      {
        email: `${githubId(account.email)}+${login}@users.noreply.github.com`,
        primary: false,
        verified: true,
        visibility: null,
      },
    ]);
  });

  return app;
}

/** `Bearer gho_x` → `Bearer x`: the token store keys tokens without GitHub's prefix. */
function stripPrefix(authorization: string | undefined): string | undefined {
  return authorization?.replace(/^(Bearer|token) gho_/i, "$1 ");
}
