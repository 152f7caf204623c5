import { createPublicKey, createVerify, type JsonWebKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import { s256 } from "./grants";
import { LOCAL_OAUTH_CLIENTS, oauthApp } from "./index";

const app = oauthApp();
const ORIGIN = "http://127.0.0.1:8790";
const REDIRECT = "http://127.0.0.1:8787/api/auth/oauth/google/callback";
const VERIFIER = "a-code-verifier-of-at-least-43-characters-long-xyz";
const google = LOCAL_OAUTH_CLIENTS.google;
const github = LOCAL_OAUTH_CLIENTS.github;

function request(path: string, init?: RequestInit) {
  return app.request(`${ORIGIN}${path}`, init);
}

function form(fields: Record<string, string>): RequestInit {
  return {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  };
}

function basic(client: { id: string; secret: string }): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString("base64")}` };
}

const googleAuthorization = {
  client_id: google.id,
  redirect_uri: REDIRECT,
  response_type: "code",
  scope: "openid email profile",
  state: "state-1",
  code_challenge: s256(VERIFIER),
  code_challenge_method: "S256",
  nonce: "nonce-1",
};

/** Consents as `email` and returns the redirect the browser would follow. */
async function consent(path: string, params: Record<string, string>, account: Record<string, string>) {
  const res = await request(path, form({ ...params, ...account }));
  expect(res.status).toBe(302);
  return new URL(res.headers.get("Location") ?? "");
}

async function googleCode(email = "ada@example.com", verified = "true"): Promise<string> {
  const back = await consent("/oauth/google/o/oauth2/v2/auth", googleAuthorization, {
    email,
    name: "Ada",
    email_verified: verified,
  });
  return back.searchParams.get("code") ?? "";
}

async function tokenRequest(
  code: string,
  verifier = VERIFIER,
  client: { id: string; secret: string } = google,
) {
  return request("/oauth/google/token", {
    ...form({ grant_type: "authorization_code", code, redirect_uri: REDIRECT, code_verifier: verifier }),
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...basic(client) },
  });
}

function decodePart(part: string | undefined): Record<string, unknown> {
  return JSON.parse(Buffer.from(part ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
}

describe("Google stand-in (OpenID Connect)", () => {
  it("publishes a discovery document whose endpoints it serves", async () => {
    const res = await request("/oauth/google/.well-known/openid-configuration");
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer: `${ORIGIN}/oauth/google`,
      authorization_endpoint: `${ORIGIN}/oauth/google/o/oauth2/v2/auth`,
      token_endpoint: `${ORIGIN}/oauth/google/token`,
      jwks_uri: `${ORIGIN}/oauth/google/oauth2/v3/certs`,
      code_challenge_methods_supported: ["S256"],
    });
  });

  it("shows a consent page listing the test accounts, and refuses an unknown client", async () => {
    const page = await request(`/oauth/google/o/oauth2/v2/auth?${new URLSearchParams(googleAuthorization)}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("ada@example.com");
    expect(html).toContain("Deny");
    const unknown = await request(
      `/oauth/google/o/oauth2/v2/auth?${new URLSearchParams({ ...googleAuthorization, client_id: "nope" })}`,
    );
    expect(unknown.status).toBe(400);
  });

  it("returns to redirect_uri with the code and the state, or with access_denied", async () => {
    const back = await consent("/oauth/google/o/oauth2/v2/auth", googleAuthorization, {
      email: "ada@example.com",
      email_verified: "true",
    });
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(back.searchParams.get("state")).toBe("state-1");
    expect(back.searchParams.get("code")).toMatch(/\S{20,}/);
    const denied = await consent("/oauth/google/o/oauth2/v2/auth", googleAuthorization, { decision: "deny" });
    expect(denied.searchParams.get("error")).toBe("access_denied");
    expect(denied.searchParams.get("state")).toBe("state-1");
  });

  it("exchanges a code for an RS256 ID token that verifies with the JWKS and carries the nonce", async () => {
    const res = await tokenRequest(await googleCode("grace@example.com", "false"));
    expect(res.status).toBe(200);
    const { id_token: idToken } = (await res.json()) as { id_token: string };
    const [header, payload, signature] = idToken.split(".");
    const { kid } = decodePart(header);
    const jwks = (await (await request("/oauth/google/oauth2/v3/certs")).json()) as {
      keys: (JsonWebKey & { kid: string })[];
    };
    const jwk = jwks.keys.find((k) => k.kid === kid);
    expect(jwk).toBeDefined();
    const valid = createVerify("RSA-SHA256")
      .update(`${header}.${payload}`)
      .verify(createPublicKey({ key: jwk as JsonWebKey, format: "jwk" }), signature ?? "", "base64url");
    expect(valid).toBe(true);
    expect(decodePart(payload)).toMatchObject({
      iss: `${ORIGIN}/oauth/google`,
      aud: google.id,
      email: "grace@example.com",
      email_verified: false,
      nonce: "nonce-1",
      sub: expect.stringMatching(/^\d{21}$/),
    });
  });

  it("refuses a wrong PKCE verifier, a replayed code and a wrong client secret", async () => {
    const wrongVerifier = await tokenRequest(
      await googleCode(),
      "another-verifier-of-at-least-43-characters-long",
    );
    expect(wrongVerifier.status).toBe(400);
    expect(await wrongVerifier.json()).toMatchObject({ error: "invalid_grant" });

    const code = await googleCode();
    expect((await tokenRequest(code)).status).toBe(200);
    const replay = await tokenRequest(code);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: "invalid_grant" });

    const badClient = await tokenRequest(await googleCode(), VERIFIER, { id: google.id, secret: "wrong" });
    expect(badClient.status).toBe(401);
    expect(await badClient.json()).toMatchObject({ error: "invalid_client" });
  });

  it("breaks the one claim a test asks for with id_token_fault", async () => {
    const back = await consent("/oauth/google/o/oauth2/v2/auth", googleAuthorization, {
      email: "ada@example.com",
      email_verified: "true",
      id_token_fault: "wrong-nonce",
    });
    const res = await tokenRequest(back.searchParams.get("code") ?? "");
    const { id_token: idToken } = (await res.json()) as { id_token: string };
    expect(decodePart(idToken.split(".")[1])).toMatchObject({ nonce: "another-nonce", aud: google.id });
  });
});

describe("GitHub stand-in (OAuth app)", () => {
  const authorization = {
    client_id: github.id,
    redirect_uri: "http://127.0.0.1:8787/api/auth/oauth/github/callback",
    scope: "read:user user:email",
    state: "gh-state",
    code_challenge: s256(VERIFIER),
    code_challenge_method: "S256",
  };

  async function githubCode(email: string, verified: string) {
    const back = await consent("/oauth/github/login/oauth/authorize", authorization, {
      email,
      name: "Octo Cat",
      email_verified: verified,
    });
    expect(back.searchParams.get("state")).toBe("gh-state");
    return back.searchParams.get("code") ?? "";
  }

  function exchange(code: string, verifier = VERIFIER) {
    return request("/oauth/github/login/oauth/access_token", {
      ...form({ code, redirect_uri: authorization.redirect_uri, code_verifier: verifier }),
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Accept: "application/json",
        ...basic(github),
      },
    });
  }

  it("answers a refused code with 200 and an error field, as GitHub does", async () => {
    const res = await exchange(
      await githubCode("octo@example.com", "true"),
      "wrong-verifier-of-at-least-43-characters-long-x",
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ error: "bad_verification_code" });
  });

  it("serves /user and /user/emails (primary with its verified flag) for the token it issued", async () => {
    const res = await exchange(await githubCode("octo@example.com", "false"));
    const { access_token: token } = (await res.json()) as { access_token: string };
    expect(token).toMatch(/^gho_/);
    const headers = { Authorization: `Bearer ${token}` };
    const user = (await (await request("/oauth/github/api/user", { headers })).json()) as Record<
      string,
      unknown
    >;
    expect(user).toMatchObject({ login: "octo", name: "Octo Cat", id: expect.any(Number) });
    const emails = (await (await request("/oauth/github/api/user/emails", { headers })).json()) as unknown[];
    expect(emails).toContainEqual(
      expect.objectContaining({ email: "octo@example.com", primary: true, verified: false }),
    );
    const anonymous = await request("/oauth/github/api/user", {
      headers: { Authorization: "Bearer gho_nope" },
    });
    expect(anonymous.status).toBe(401);
  });
});
