import {
  CodeChallengeMethod,
  generateCodeVerifier,
  generateState,
  OAuth2Client,
  OAuth2RequestError,
  type OAuth2Tokens,
} from "arctic";
import type { ProviderAccount } from "../../db/queries/identities";
import { OAUTH_PROVIDERS, type OAuthProvider } from "../../db/schema/identities";
import type { Config } from "../config";
import { IdTokenError, JwksUnavailableError, verifyIdToken } from "./id-token";
import { FLOW_TTL_SECONDS, type OAuthFlow } from "./oauth-flow";
import { oauthProblems } from "./oauth-problems";

export { OAUTH_PROVIDERS, type OAuthProvider } from "../../db/schema/identities";

/**
 * Where each provider lives. arctic's Google and GitHub classes hard-code these URLs, so the
 * worker drives arctic's generic OAuth2Client with them; locally OAUTH_<P>_BASE_URL swaps in
 * the dev/ stand-in, which serves the same paths below its base.
 */
function endpoints(provider: OAuthProvider, config: Config) {
  if (provider === "google") {
    const base = config.OAUTH_GOOGLE_BASE_URL;
    return {
      authorize: base ? `${base}/o/oauth2/v2/auth` : "https://accounts.google.com/o/oauth2/v2/auth",
      token: base ? `${base}/token` : "https://oauth2.googleapis.com/token",
      jwks: base ? `${base}/oauth2/v3/certs` : "https://www.googleapis.com/oauth2/v3/certs",
      issuers: base ? [base] : ["https://accounts.google.com", "accounts.google.com"],
      api: "",
    };
  }
  const base = config.OAUTH_GITHUB_BASE_URL;
  return {
    authorize: base ? `${base}/login/oauth/authorize` : "https://github.com/login/oauth/authorize",
    token: base ? `${base}/login/oauth/access_token` : "https://github.com/login/oauth/access_token",
    jwks: "",
    issuers: [],
    api: base ? `${base}/api` : "https://api.github.com",
  };
}

/** How each provider is named to people (emails, the providers list). */
export const PROVIDER_NAMES: Record<OAuthProvider, string> = { google: "Google", github: "GitHub" };

function credentials(provider: OAuthProvider, config: Config) {
  return provider === "google"
    ? { id: config.OAUTH_GOOGLE_CLIENT_ID, secret: config.OAUTH_GOOGLE_CLIENT_SECRET }
    : { id: config.OAUTH_GITHUB_CLIENT_ID, secret: config.OAUTH_GITHUB_CLIENT_SECRET };
}

/** The providers whose client id and secret are both bound: the only ones offered. */
export function offeredProviders(config: Config): OAuthProvider[] {
  return OAUTH_PROVIDERS.filter((p) => {
    const { id, secret } = credentials(p, config);
    return Boolean(id && secret);
  });
}

/** A provider name from the path, if it is offered here. */
export function offeredProvider(config: Config, name: string): OAuthProvider | undefined {
  return offeredProviders(config).find((p) => p === name);
}

const SCOPES: Record<OAuthProvider, string[]> = {
  google: ["openid", "email", "profile"],
  github: ["read:user", "user:email"],
};

/** One sign-in through a provider: the authorization URL at start, the account at callback. */
export class ProviderClient {
  private readonly client: OAuth2Client;
  private readonly urls: ReturnType<typeof endpoints>;

  constructor(
    readonly provider: OAuthProvider,
    config: Config,
    redirectUri: string,
  ) {
    const { id, secret } = credentials(provider, config);
    if (!id || !secret) throw oauthProblems.providerNotOffered();
    this.client = new OAuth2Client(id, secret, redirectUri);
    this.urls = endpoints(provider, config);
  }

  /** A new flow (state, PKCE verifier, nonce for OIDC) and the provider URL that starts it. */
  start(redirect: string): { flow: OAuthFlow; url: URL } {
    const flow: OAuthFlow = {
      state: generateState(),
      codeVerifier: generateCodeVerifier(),
      ...(this.provider === "google" && { nonce: generateState() }),
      redirect,
      expiresAt: Math.floor(Date.now() / 1000) + FLOW_TTL_SECONDS,
    };
    const url = this.client.createAuthorizationURLWithPKCE(
      this.urls.authorize,
      flow.state,
      CodeChallengeMethod.S256,
      flow.codeVerifier,
      SCOPES[this.provider],
    );
    if (flow.nonce) url.searchParams.set("nonce", flow.nonce);
    return { flow, url };
  }

  /** Exchanges the code and reads who signed in; throws an oauth problem for each way it can fail. */
  async account(
    code: string,
    flow: OAuthFlow,
  ): Promise<ProviderAccount & { emailVerified: boolean; name?: string }> {
    const tokens = await this.exchange(code, flow.codeVerifier);
    return this.provider === "google" ? this.googleAccount(tokens, flow) : this.githubAccount(tokens);
  }

  private async exchange(code: string, codeVerifier: string): Promise<OAuth2Tokens> {
    let tokens: OAuth2Tokens;
    try {
      tokens = await this.client.validateAuthorizationCode(this.urls.token, code, codeVerifier);
    } catch (error) {
      if (error instanceof OAuth2RequestError) throw oauthProblems.codeRejected({ cause: error });
      throw unavailable(error);
    }
    // GitHub answers a refused code with 200 and an `error` field.
    if ("error" in tokens.data) throw oauthProblems.codeRejected();
    return tokens;
  }

  private async googleAccount(tokens: OAuth2Tokens, flow: OAuthFlow) {
    let claims: Awaited<ReturnType<typeof verifyIdToken>>;
    try {
      claims = await verifyIdToken(tokens.idToken(), {
        jwksUrl: this.urls.jwks,
        issuers: this.urls.issuers,
        audience: this.client.clientId,
        nonce: flow.nonce ?? "",
      });
    } catch (error) {
      if (error instanceof JwksUnavailableError) throw unavailable(error);
      if (error instanceof IdTokenError) throw oauthProblems.invalidIdToken({ cause: error });
      // tokens.idToken() throws a plain Error when the response carried none.
      throw oauthProblems.invalidIdToken({ cause: error });
    }
    return {
      provider: "google" as const,
      providerUserId: claims.sub,
      email: normalizeEmail(claims.email),
      emailVerified: claims.email_verified === true,
      name: claims.name,
    };
  }

  private async githubAccount(tokens: OAuth2Tokens) {
    const headers = {
      Authorization: `Bearer ${tokens.accessToken()}`,
      Accept: "application/vnd.github+json",
      "User-Agent": "backline",
      "X-GitHub-Api-Version": "2022-11-28",
    };
    const [user, emails] = await Promise.all([
      githubGet<{ id: number; login: string; name: string | null }>(`${this.urls.api}/user`, headers),
      githubGet<{ email: string; primary: boolean; verified: boolean }[]>(
        `${this.urls.api}/user/emails`,
        headers,
      ),
    ]);
    const primary = Array.isArray(emails) ? emails.find((e) => e.primary) : undefined;
    return {
      provider: "github" as const,
      providerUserId: String(user.id),
      email: normalizeEmail(primary?.email),
      emailVerified: primary?.verified === true,
      name: user.name ?? user.login,
    };
  }
}

async function githubGet<T>(url: string, headers: Record<string, string>): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { headers });
  } catch (error) {
    throw unavailable(error);
  }
  if (res.status === 401) throw oauthProblems.codeRejected();
  if (!res.ok) throw unavailable(new Error(`GitHub API answered ${res.status}`));
  return (await res.json()) as T;
}

function unavailable(cause: unknown) {
  return oauthProblems.providerUnavailable({ cause });
}

function normalizeEmail(email: string | undefined): string | undefined {
  const normalized = email?.trim().toLowerCase();
  return normalized ? normalized : undefined;
}
