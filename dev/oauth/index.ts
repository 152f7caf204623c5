import { Hono } from "hono";
import { githubApp } from "./github";
import { googleApp } from "./google";
import type { OAuthClient } from "./grants";

export { GITHUB_BASE_PATH } from "./github";
export { GOOGLE_BASE_PATH } from "./google";

/** The OAuth clients the stand-ins know; `wrangler.toml` [env.dev.vars] and .dev.vars use the same. */
export const LOCAL_OAUTH_CLIENTS = {
  google: { id: "local-google-client", secret: "local-google-secret" },
  github: { id: "local-github-client", secret: "local-github-secret" },
} as const satisfies Record<string, OAuthClient>;

/** The identity-provider stand-ins: Google-like OIDC under /oauth/google, GitHub-like OAuth under /oauth/github. */
export function oauthApp(clients: Record<"google" | "github", OAuthClient> = LOCAL_OAUTH_CLIENTS): Hono {
  const app = new Hono();
  app.route("/", googleApp(clients.google));
  app.route("/", githubApp(clients.github));
  return app;
}
