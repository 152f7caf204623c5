/**
 * Second factors in http mode against a scripted fetch: what the SDK sends for each call and
 * how it reads the API's answers (the sign-in challenge becomes the `mfa-required` rejection),
 * and that a wrong code is not re-sent after a refresh (it would spend another try).
 */
import { describe, expect, it } from "vitest";
import { failure } from "../../test/contract/helpers";
import { createBackline, isMfaRequired, MFA_REQUIRED, type User } from "../src/index";

interface Seen {
  method: string;
  path: string;
  authorization: string | null;
  body: unknown;
}

const USER: User = {
  id: "5b0c1f8e-3a59-4d1e-9b7e-2f4f1c0a9d11",
  email: "ada@example.com",
  displayName: "Ada",
  avatarUrl: null,
  role: "user",
  tier: "free",
  emailVerified: true,
  entitlements: [],
  createdAt: "2026-11-27T12:00:00.000Z",
};
const SESSION = { accessToken: "access-1", tokenType: "Bearer", expiresIn: 900, user: USER };
const CHALLENGE = { mfaRequired: true, challenge: "payload.tag", expiresIn: 300 };

const problem = (status: number, slug: string, title: string) =>
  Response.json(
    { type: `https://backline.dev/problems/${slug}`, title, status },
    { status, headers: { "Content-Type": "application/problem+json" } },
  );

/** A client over a fetch that answers by "METHOD path" and logs each request. */
function scripted(answers: Record<string, () => Response>) {
  const seen: Seen[] = [];
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const path = new URL(request.url).pathname;
    const text = await request.text();
    seen.push({
      method: request.method,
      path,
      authorization: request.headers.get("Authorization"),
      body: text ? JSON.parse(text) : undefined,
    });
    const answer = answers[`${request.method} ${path}`];
    return answer ? answer() : problem(404, "not-found", "Not found");
  }) as typeof fetch;
  const client = createBackline({
    mode: "http",
    baseUrl: "http://api.test",
    fetch: fetcher,
    retry: { rateLimited: 0, network: 0 },
  });
  return { client, seen };
}

describe("http second factors", () => {
  it("rejects sign-in with the mfa-required problem carrying the challenge, and stays signed out", async () => {
    const { client } = scripted({ "POST /api/auth/signin": () => Response.json(CHALLENGE) });
    const error = await failure(client.auth.signIn({ email: USER.email, password: "pw" }));
    expect(isMfaRequired(error)).toBe(true);
    expect(error.problem).toMatchObject({
      type: MFA_REQUIRED,
      status: 401,
      instance: "/api/auth/signin",
      challenge: "payload.tag",
      expiresIn: 300,
      factors: ["totp", "recovery_code"],
    });
    expect(client.auth.getAuthState().signedIn).toBe(false);

    const withPasskeys = scripted({
      "POST /api/auth/signin": () =>
        Response.json({ ...CHALLENGE, factors: ["totp", "passkey", "recovery_code"] }),
    });
    const second = await failure(withPasskeys.client.auth.signIn({ email: USER.email, password: "pw" }));
    expect(second.problem.factors).toEqual(["totp", "passkey", "recovery_code"]);
  });

  it("reads the sign-in a Google/GitHub redirect left waiting, or null when none is", async () => {
    const waiting = scripted({
      "POST /api/auth/mfa/pending": () => Response.json({ ...CHALLENGE, factors: ["passkey"] }),
    });
    expect(await waiting.client.auth.pendingSignIn()).toMatchObject({
      type: MFA_REQUIRED,
      challenge: "payload.tag",
      expiresIn: 300,
      factors: ["passkey"],
    });
    expect(waiting.seen.map((s) => [s.method, s.path, s.authorization])).toEqual([
      ["POST", "/api/auth/mfa/pending", null],
    ]);
    const none = scripted({
      "POST /api/auth/mfa/pending": () =>
        problem(404, "mfa-no-pending-signin", "No sign-in is waiting for a second factor"),
    });
    expect(await none.client.auth.pendingSignIn()).toBeNull();
  });

  it("completes the sign-in with a code and announces the session", async () => {
    const { client, seen } = scripted({
      "POST /api/auth/mfa/challenge": () => Response.json(SESSION),
      "GET /api/auth/sessions": () => Response.json({ sessions: [] }),
    });
    const states: boolean[] = [];
    client.auth.onAuthStateChanged((s) => states.push(s.signedIn));
    const user = await client.auth.completeSignIn({ challenge: "payload.tag", code: "123456" });
    expect(user).toEqual(USER);
    expect(states).toEqual([false, true]);
    await client.auth.listSessions();
    expect(seen.map((s) => [s.method, s.path, s.authorization, s.body])).toEqual([
      ["POST", "/api/auth/mfa/challenge", null, { challenge: "payload.tag", code: "123456" }],
      ["GET", "/api/auth/sessions", "Bearer access-1", undefined],
    ]);
  });

  it("sends the TOTP calls in the API's shapes and resolves the recovery codes", async () => {
    const codes = ["abcd-efgh-jkmn-pqrs"];
    const { client, seen } = scripted({
      "POST /api/auth/signup": () => Response.json(SESSION, { status: 201 }),
      "POST /api/auth/mfa/totp": () =>
        Response.json({ secret: "S", uri: "otpauth://totp/x", qrSvg: "<svg/>" }),
      "POST /api/auth/mfa/totp/verify": () => Response.json({ recoveryCodes: codes }),
      "POST /api/auth/mfa/recovery-codes": () => Response.json({ recoveryCodes: codes }),
      "POST /api/auth/mfa/totp/disable": () => new Response(null, { status: 204 }),
    });
    await client.auth.signUp({ email: USER.email, password: "a sturdy passphrase 42", displayName: "Ada" });
    expect(await client.mfa.enrollTotp("pw")).toEqual({
      secret: "S",
      uri: "otpauth://totp/x",
      qrSvg: "<svg/>",
    });
    expect(await client.mfa.verifyTotp("111111")).toEqual(codes);
    expect(await client.mfa.regenerateRecoveryCodes("222222")).toEqual(codes);
    expect(await client.mfa.disableTotp("333333")).toBeUndefined();
    expect(seen.slice(1).map((s) => [s.path, s.authorization, s.body])).toEqual([
      ["/api/auth/mfa/totp", "Bearer access-1", { password: "pw" }],
      ["/api/auth/mfa/totp/verify", "Bearer access-1", { code: "111111" }],
      ["/api/auth/mfa/recovery-codes", "Bearer access-1", { code: "222222" }],
      ["/api/auth/mfa/totp/disable", "Bearer access-1", { code: "333333" }],
    ]);
  });

  it("reads the second factors' status with the access token", async () => {
    const status = {
      totp: { enabled: true, enabledAt: "2026-11-27T12:00:00.000Z" },
      recoveryCodesLeft: 9,
      passkeys: 1,
    };
    const { client, seen } = scripted({
      "POST /api/auth/signup": () => Response.json(SESSION, { status: 201 }),
      "GET /api/auth/mfa": () => Response.json(status),
    });
    await client.auth.signUp({ email: USER.email, password: "a sturdy passphrase 42", displayName: "Ada" });
    expect(await client.mfa.status()).toEqual(status);
    expect(seen.slice(1).map((s) => [s.method, s.path, s.authorization])).toEqual([
      ["GET", "/api/auth/mfa", "Bearer access-1"],
    ]);
  });

  it("does not refresh and re-send a wrong code (it would spend another try of the budget)", async () => {
    const { client, seen } = scripted({
      "POST /api/auth/signup": () => Response.json(SESSION, { status: 201 }),
      "POST /api/auth/refresh": () => Response.json({ accessToken: "access-2", expiresIn: 900 }),
      "POST /api/auth/mfa/totp/disable": () =>
        problem(401, "mfa-invalid-code", "The code is wrong or was already used"),
    });
    await client.auth.signUp({ email: USER.email, password: "a sturdy passphrase 42", displayName: "Ada" });
    const error = await failure(client.mfa.disableTotp("000000"));
    expect([error.status, error.type]).toEqual([401, "https://backline.dev/problems/mfa-invalid-code"]);
    expect(seen.map((s) => s.path)).toEqual(["/api/auth/signup", "/api/auth/mfa/totp/disable"]);
    expect(client.auth.getAuthState().signedIn).toBe(true);
  });
});
