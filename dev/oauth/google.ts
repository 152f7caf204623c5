import { createSign, generateKeyPairSync, type KeyObject, randomUUID } from "node:crypto";
import { Hono } from "hono";
import { googleSub, type TestAccount } from "./accounts";
import { authorizeRoutes } from "./consent";
import { clientCredentials, Grants, isRefusal, type OAuthClient } from "./grants";

/** Where the Google stand-in is mounted; its issuer is `<stack url>/oauth/google`. */
export const GOOGLE_BASE_PATH = "/oauth/google";
const AUTHORIZE = "/o/oauth2/v2/auth";
const TOKEN = "/token";
const JWKS = "/oauth2/v3/certs";
const ID_TOKEN_TTL_SECONDS = 3600;

/**
 * Faults a test can ask for with the consent form's `id_token_fault` field, so the worker's ID
 * token checks are exercised against a real token exchange: each breaks one thing the relying
 * party must verify.
 */
export const ID_TOKEN_FAULTS = [
  "bad-signature",
  "wrong-issuer",
  "wrong-audience",
  "expired",
  "wrong-nonce",
] as const;
type IdTokenFault = (typeof ID_TOKEN_FAULTS)[number];

function isFault(value: string | undefined): value is IdTokenFault {
  return (ID_TOKEN_FAULTS as readonly (string | undefined)[]).includes(value);
}

/**
 * Google's OpenID Connect, as the worker uses it: the authorization endpoint (a consent page),
 * the token endpoint (client authentication, single-use codes, PKCE S256) returning an RS256
 * ID token with the request's `nonce`, the JWKS and the discovery document.
 */
export function googleApp(client: OAuthClient): Hono {
  const grants = new Grants();
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  // Signs `bad-signature` tokens: a key the JWKS does not publish, under the published kid.
  const strangerKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  const kid = randomUUID();
  const app = new Hono().basePath(GOOGLE_BASE_PATH);
  const issuer = (url: string) => `${new URL(url).origin}${GOOGLE_BASE_PATH}`;

  app.get("/.well-known/openid-configuration", (c) => {
    const base = issuer(c.req.url);
    return c.json({
      issuer: base,
      authorization_endpoint: `${base}${AUTHORIZE}`,
      token_endpoint: `${base}${TOKEN}`,
      jwks_uri: `${base}${JWKS}`,
      response_types_supported: ["code"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256"],
      scopes_supported: ["openid", "email", "profile"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
      code_challenge_methods_supported: ["S256"],
      claims_supported: ["aud", "email", "email_verified", "exp", "iat", "iss", "name", "nonce", "sub"],
    });
  });

  app.get(JWKS, (c) =>
    c.json({ keys: [{ ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" }] }),
  );

  authorizeRoutes(app, {
    provider: "Google",
    path: AUTHORIZE,
    basePath: GOOGLE_BASE_PATH,
    client,
    grants,
    extraFault: (params) => {
      if (params.response_type !== "code") return "response_type must be code";
      if (!params.scope?.split(" ").includes("openid")) return "scope must include openid";
      return undefined;
    },
    grantExtras: (form) => ({
      nonce: form.nonce,
      idTokenFault: isFault(form.id_token_fault) ? form.id_token_fault : undefined,
    }),
    redirectExtras: (form) => ({ scope: form.scope ?? "" }),
  });

  app.post(TOKEN, async (c) => {
    const form = (await c.req.parseBody()) as Record<string, string>;
    const credentials = clientCredentials(c.req.header("Authorization"), form);
    if (!credentials || credentials.id !== client.id || credentials.secret !== client.secret) {
      return c.json({ error: "invalid_client", error_description: "Unauthorized" }, 401);
    }
    if (form.grant_type !== "authorization_code" || !form.code) {
      return c.json({ error: "unsupported_grant_type", error_description: "Invalid grant_type" }, 400);
    }
    const grant = grants.redeem(form.code, {
      clientId: credentials.id,
      redirectUri: form.redirect_uri,
      codeVerifier: form.code_verifier,
    });
    if (isRefusal(grant)) return c.json({ error: grant.error, error_description: grant.description }, 400);
    const fault = grant.idTokenFault;
    const now = Math.floor(Date.now() / 1000);
    const idToken = signIdToken(fault === "bad-signature" ? strangerKey : privateKey, kid, {
      iss: fault === "wrong-issuer" ? "https://accounts.google.example" : issuer(c.req.url),
      aud: fault === "wrong-audience" ? "another-client" : client.id,
      account: grant.account,
      nonce: fault === "wrong-nonce" ? "another-nonce" : grant.nonce,
      ...(fault === "expired" && { iat: now - 2 * ID_TOKEN_TTL_SECONDS, exp: now - ID_TOKEN_TTL_SECONDS }),
    });
    return c.json({
      access_token: grants.issueAccessToken(grant.account),
      expires_in: 3599,
      scope: grant.scope,
      token_type: "Bearer",
      id_token: idToken,
    });
  });

  return app;
}

/** An RS256-signed ID token with Google's claims. */
export function signIdToken(
  key: KeyObject,
  kid: string,
  claims: { iss: string; aud: string; account: TestAccount; nonce?: string; iat?: number; exp?: number },
): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: claims.iss,
    azp: claims.aud,
    aud: claims.aud,
    sub: googleSub(claims.account.email),
    email: claims.account.email,
    email_verified: claims.account.emailVerified,
    name: claims.account.name,
    ...(claims.nonce && { nonce: claims.nonce }),
    iat: claims.iat ?? now,
    exp: claims.exp ?? now + ID_TOKEN_TTL_SECONDS,
  };
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const input = `${encode({ alg: "RS256", kid, typ: "JWT" })}.${encode(payload)}`;
  const signature = createSign("RSA-SHA256").update(input).sign(key).toString("base64url");
  return `${input}.${signature}`;
}
