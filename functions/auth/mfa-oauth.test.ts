import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { bearer, uniqueEmail } from "../../test/support/accounts";
import {
  type CreationOptionsJSON,
  type RequestOptionsJSON,
  SoftAuthenticator,
} from "../../test/support/authenticator";
import { fileEnv, send, testEnv } from "../../test/support/harness";

/** Google sign-in for an account with a second factor: no session at the callback (issue #15). */
const bindings = fileEnv("mfa-oauth", {
  OAUTH_GOOGLE_CLIENT_ID: "local-google-client",
  OAUTH_GOOGLE_CLIENT_SECRET: "local-google-secret",
  OAUTH_GOOGLE_BASE_URL: `${testEnv.STACK_URL}/oauth/google`,
});
const APP = "https://app.example.com/after-sign-in";
const ORIGIN = "https://app.example.com";

function cookieNamed(res: Response, name: string): string | undefined {
  return res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
}

/** Start, the stand-in's consent as `email`, and the callback: the callback's answer. */
async function googleSignIn(email: string): Promise<Response> {
  const started = await send(bindings, `/api/auth/oauth/google/start?redirect=${encodeURIComponent(APP)}`);
  const flowCookie = cookieNamed(started, "backline_oauth")?.split(";")[0] ?? "";
  const providerUrl = new URL(started.headers.get("Location") ?? "");
  const fields = new URLSearchParams({
    ...Object.fromEntries(providerUrl.searchParams),
    email,
    name: "OAuth Person",
    email_verified: "true",
  });
  const consented = await fetch(`${providerUrl.origin}${providerUrl.pathname}`, {
    method: "POST",
    body: fields,
    redirect: "manual",
  });
  const back = new URL(consented.headers.get("Location") ?? "");
  const res = await send(bindings, `${back.pathname}${back.search}`, { headers: { Cookie: flowCookie } });
  expect(res.status).toBe(302);
  return res;
}

function post(path: string, json: unknown, headers: Record<string, string> = {}) {
  return send(bindings, path, { method: "POST", headers, json });
}

describe("Google sign-in of an account with a second factor", () => {
  it("holds the session until the second factor: a pending challenge in an HttpOnly cookie, no secret in the URL", async () => {
    const email = uniqueEmail("oauth-mfa");
    const first = await googleSignIn(email);
    const refresh = cookieNamed(first, "backline_refresh")?.split(";")[0] ?? "";
    const refreshed = await post("/api/auth/refresh", undefined, { Cookie: refresh, Origin: ORIGIN });
    const { accessToken } = (await refreshed.json()) as { accessToken: string };
    const authenticator = new SoftAuthenticator();
    // An account made through Google has no password: its sign-in a moment ago proves it.
    const options = await post("/api/auth/passkeys/options", {}, bearer(accessToken));
    const { response } = await authenticator.register((await options.json()) as CreationOptionsJSON);
    expect((await post("/api/auth/passkeys", { response }, bearer(accessToken))).status).toBe(201);

    const second = await googleSignIn(email);
    const location = new URL(second.headers.get("Location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(APP);
    expect(location.searchParams.get("error")).toMatch(/mfa-required$/);
    expect([...location.searchParams.keys()]).toEqual(["error"]);
    expect(cookieNamed(second, "backline_refresh")).toBeUndefined();
    const pendingCookie = cookieNamed(second, "backline_mfa") ?? "";
    expect(pendingCookie).toMatch(/HttpOnly/i);
    expect(pendingCookie).toMatch(/Path=\/api\/auth\/mfa/);
    const cookie = pendingCookie.split(";")[0] ?? "";

    expect((await post("/api/auth/mfa/pending", undefined, { Cookie: cookie })).status).toBe(403);
    expect((await post("/api/auth/mfa/pending", undefined, { Origin: ORIGIN })).status).toBe(404);
    const pending = await post("/api/auth/mfa/pending", undefined, { Cookie: cookie, Origin: ORIGIN });
    expect(pending.status).toBe(200);
    const answer = (await pending.json()) as { mfaRequired: boolean; challenge: string; factors: string[] };
    expect(answer).toMatchObject({ mfaRequired: true, factors: ["passkey"] });

    const request = await post("/api/auth/mfa/challenge/options", { challenge: answer.challenge });
    const assertion = await authenticator.assert((await request.json()) as RequestOptionsJSON);
    const done = await post(
      "/api/auth/mfa/challenge",
      { challenge: answer.challenge, passkey: assertion },
      { Cookie: cookie, Origin: ORIGIN },
    );
    expect(done.status).toBe(200);
    expect(cookieNamed(done, "backline_refresh")).toBeDefined();
    expect(cookieNamed(done, "backline_mfa")).toMatch(/Max-Age=0/);
    const user = ((await done.json()) as { user: { id: string } }).user;
    const rows = await createDb(loadConfig(bindings)).execute<{ method: string }>(
      sql`select method from sessions where user_id = ${user.id} order by created_at desc limit 1`,
    );
    expect(rows.rows[0]?.method).toBe("google+passkey");
  });
});
