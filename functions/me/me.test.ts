import { sign } from "hono/jwt";
import { describe, expect, it } from "vitest";
import { signAccessToken } from "../../shared/auth/access-token";
import { bearer, signUp } from "../../test/support/accounts";
import { fileEnv, roundTrips, send, traceId } from "../../test/support/harness";
import { mailFor } from "../../test/support/mailbox";

const bindings = fileEnv("me");

function base64url(value: unknown): string {
  return btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

describe("GET /api/me", () => {
  it("returns the profile with role, tier, emailVerified and entitlements", async () => {
    const user = await signUp(bindings);
    const res = await send(bindings, "/api/me", { headers: bearer(user.accessToken) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id: user.userId,
      email: user.email,
      role: "user",
      tier: "free",
      emailVerified: false,
      entitlements: ["patterns:50", "lessons:free"],
    });
  });

  it("answers 401 without a token", async () => {
    const res = await send(bindings, "/api/me");
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toContain("Bearer");
  });
});

describe("JWT attacks are refused with 401", () => {
  it.each([
    [
      "alg none",
      async (t: string) => {
        const [, payload] = t.split(".");
        return `${base64url({ alg: "none", typ: "JWT" })}.${payload}.`;
      },
    ],
    [
      "a token signed with another key",
      async (t: string, claims: Record<string, unknown>) => {
        void t;
        return sign(claims, "another-secret-that-is-at-least-32-bytes-long!!", "HS256");
      },
    ],
    [
      "tampered claims (role raised to admin)",
      async (t: string) => {
        const [header, payload, signature] = t.split(".") as [string, string, string];
        const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/")));
        return `${header}.${base64url({ ...claims, role: "admin" })}.${signature}`;
      },
    ],
    [
      "an expired token",
      async (_t: string, claims: Record<string, unknown>) =>
        signAccessToken(claims as never, bindings.JWT_SECRET, Math.floor(Date.now() / 1000) - 3600),
    ],
    [
      "a token not valid yet",
      async (_t: string, claims: Record<string, unknown>) =>
        signAccessToken(claims as never, bindings.JWT_SECRET, Math.floor(Date.now() / 1000) + 3600),
    ],
    ["garbage", async () => "not.a.jwt"],
  ])("%s", async (_name, forge) => {
    const user = await signUp(bindings);
    const [, payload] = user.accessToken.split(".") as [string, string];
    const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
    const { iat: _iat, nbf: _nbf, exp: _exp, ...rest } = claims;
    const forged = await forge(user.accessToken, rest);
    const res = await send(bindings, "/api/me", { headers: bearer(forged) });
    expect(res.status).toBe(401);
    expect((await send(bindings, "/api/me", { headers: bearer(user.accessToken) })).status).toBe(200);
  });

  it("keeps verifying tokens of the previous secret during rotation, and only then", async () => {
    const user = await signUp(bindings);
    const rotated = {
      ...bindings,
      JWT_SECRET: "a-brand-new-secret-0123456789abcdefghijklmnop",
      JWT_SECRET_PREVIOUS: bindings.JWT_SECRET,
    };
    expect((await send(rotated, "/api/me", { headers: bearer(user.accessToken) })).status).toBe(200);
    const dropped = { ...bindings, JWT_SECRET: rotated.JWT_SECRET };
    expect((await send(dropped, "/api/me", { headers: bearer(user.accessToken) })).status).toBe(401);
  });
});

describe("PATCH /api/me", () => {
  it("updates the display name and avatar", async () => {
    const user = await signUp(bindings);
    const res = await send(bindings, "/api/me", {
      method: "PATCH",
      headers: bearer(user.accessToken),
      json: { displayName: " DJ Ada ", avatarUrl: "https://cdn.example.com/a.png" },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      displayName: "DJ Ada",
      avatarUrl: "https://cdn.example.com/a.png",
    });
  });

  it.each(["role", "tier", "email", "emailVerified", "id"])(
    "refuses to write %s with 400 naming it",
    async (field) => {
      const user = await signUp(bindings);
      const res = await send(bindings, "/api/me", {
        method: "PATCH",
        headers: bearer(user.accessToken),
        json: { displayName: "Sneaky", [field]: field === "emailVerified" ? true : "admin" },
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain(
        field,
      );
      const me = (await (await send(bindings, "/api/me", { headers: bearer(user.accessToken) })).json()) as {
        displayName: string;
        role: string;
      };
      expect(me).toMatchObject({ displayName: "Test User", role: "user" });
    },
  );
});

describe("DELETE /api/me password guessing", () => {
  /** 5 password checks per account (whatever the address) in 4 hours. */
  const strict = { ...bindings, AUTH_FAILURE_LIMIT: "1", AUTH_FAILURE_WINDOW: "60 m" } as typeof bindings;

  it("counts wrong passwords in the account's budget shared with sign-in, then refuses with 429", async () => {
    const user = await signUp(strict);
    const remove = (password: string) =>
      send(strict, "/api/me", { method: "DELETE", headers: bearer(user.accessToken), json: { password } });
    for (let i = 0; i < 5; i++) expect((await remove("wrong password 123")).status).toBe(401);
    const refused = await remove(user.password);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("RateLimit-Policy")).toBe('"password-account";q=5;w=14400');
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect((await send(strict, "/api/me", { headers: bearer(user.accessToken) })).status).toBe(200);
    const signin = await send(strict, "/api/auth/signin", {
      method: "POST",
      json: { email: user.email, password: user.password },
    });
    expect(signin.status).toBe(429);
    const notices = (await mailFor(user.email)).filter(
      (m) => m.subject === "Someone is trying your password",
    );
    expect(notices).toHaveLength(1);
  }, 30_000);
});

describe("DELETE /api/me round trips", () => {
  it("costs two Neon round trips before the answer (the account read, with the email the password budget is keyed by; the delete), two after it (sending the goodbye email)", async () => {
    const user = await signUp(bindings);
    const trace = traceId();
    const res = await send(bindings, "/api/me", {
      method: "DELETE",
      headers: { ...bearer(user.accessToken), "X-Request-Id": trace },
      json: { password: user.password },
    });
    expect(res.status).toBe(204);
    const trips = await roundTrips(trace);
    expect(trips.neon).toBe(4);
    expect(trips.stripe).toBe(0);
  });
});
