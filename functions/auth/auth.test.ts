import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { bearer, signUp, uniqueEmail } from "../../test/support/accounts";
import { fileEnv, randomIp, roundTrips, send, startOfNextWindow, traceId } from "../../test/support/harness";

const bindings = fileEnv("auth");

type Problem = { type: string; status: number; errors?: { path: string; message: string }[] };

describe("POST /api/auth/signup", () => {
  it("creates the account, signs it in and sets an HttpOnly refresh cookie", async () => {
    const email = `  ${uniqueEmail("Mixed").toUpperCase()}  `;
    const res = await send(bindings, "/api/auth/signup", {
      method: "POST",
      json: { email, password: "a sturdy passphrase 42", displayName: "Ada" },
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as {
      user: { email: string; role: string; tier: string; emailVerified: boolean };
      accessToken: string;
      refreshToken?: string;
    };
    expect(body.user).toMatchObject({
      email: email.trim().toLowerCase(),
      role: "user",
      tier: "free",
      emailVerified: false,
    });
    expect(body.accessToken.split(".")).toHaveLength(3);
    expect(body.refreshToken).toBeUndefined();
    const cookie = res.headers.get("Set-Cookie") ?? "";
    expect(cookie).toMatch(/^backline_refresh=[0-9a-f-]{36}\.[\w-]{43};/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("Secure");
    expect(cookie).toContain("Path=/api/auth");
    expect(cookie).toContain("SameSite=Lax");
    expect(res.headers.get("Location")).toBe("/api/me");
  });

  it("answers 409 for a taken email, whatever its case", async () => {
    const { email } = await signUp(bindings);
    const res = await send(bindings, "/api/auth/signup", {
      method: "POST",
      json: { email: email.toUpperCase(), password: "another good passphrase", displayName: "Copy" },
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as Problem).type).toBe("https://backline.dev/problems/email-taken");
  });

  it.each([
    [{ email: "not-an-email", password: "a sturdy passphrase", displayName: "A" }, "email"],
    [{ email: uniqueEmail(), password: "short", displayName: "A" }, "password"],
    [{ email: uniqueEmail(), password: "x".repeat(129), displayName: "A" }, "password"],
    [{ email: uniqueEmail(), password: "Password123", displayName: "A" }, "password"],
    [{ email: uniqueEmail(), password: "a sturdy passphrase", displayName: "  " }, "displayName"],
    [{ email: uniqueEmail(), password: "a sturdy passphrase", displayName: "A", role: "admin" }, "role"],
  ])("answers 400 naming the field at fault (%#)", async (json, field) => {
    const res = await send(bindings, "/api/auth/signup", { method: "POST", json });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Problem;
    expect(body.errors?.map((e) => e.path)).toContain(field);
  });
});

describe("POST /api/auth/signin", () => {
  it("signs in, and an authenticated read costs no Neon round trip for authentication", async () => {
    const user = await signUp(bindings);
    const signin = (headers: Record<string, string>) =>
      send(bindings, "/api/auth/signin", {
        method: "POST",
        headers,
        json: { email: user.email, password: user.password },
      });
    // The first call on a fresh Redis loads the limiter scripts (EVALSHA → NOSCRIPT → EVAL); measure a warm one.
    expect((await signin({ "CF-Connecting-IP": user.ip })).status).toBe(200);
    const trace = traceId();
    const res = await send(bindings, "/api/auth/signin", {
      method: "POST",
      headers: { "X-Request-Id": trace, "CF-Connecting-IP": user.ip },
      json: { email: user.email, password: user.password },
    });
    expect(res.status).toBe(200);
    const trips = await roundTrips(trace);
    expect(trips.neon).toBeLessThanOrEqual(2);
    // The attempt's unit is taken before the password is checked, and given back on success.
    expect(trips.upstash).toBe(2);
    const { accessToken } = (await res.json()) as { accessToken: string };
    expect((await send(bindings, "/api/me", { headers: bearer(accessToken) })).status).toBe(200);
  });

  it("answers unknown email and wrong password byte-identically apart from the request id", async () => {
    const user = await signUp(bindings);
    const attempt = async (email: string) => {
      const res = await send(bindings, "/api/auth/signin", {
        method: "POST",
        headers: { "CF-Connecting-IP": randomIp() },
        json: { email, password: "wrong password 123" },
      });
      const text = (await res.text()).replace(/"requestId":"[^"]+"/, "");
      const headers = [...res.headers].filter(
        ([k]) => !["x-request-id", "ratelimit", "x-ratelimit-reset"].includes(k),
      );
      return { status: res.status, text, headers };
    };
    const unknown = await attempt(uniqueEmail("ghost"));
    const wrong = await attempt(user.email);
    expect(unknown.status).toBe(401);
    expect(wrong).toEqual(unknown);
  });

  it("limits failures per account and IP with 429 and headers, and resets after the window", async () => {
    const quick = { ...bindings, AUTH_FAILURE_LIMIT: "3", AUTH_FAILURE_WINDOW: "6 s" } as typeof bindings;
    const user = await signUp(quick);
    const ip = randomIp();
    const attempt = (password: string) =>
      send(quick, "/api/auth/signin", {
        method: "POST",
        headers: { "CF-Connecting-IP": ip },
        json: { email: user.email, password },
      });
    // A sliding window weighs the previous window in: start the burst at a window's start.
    await startOfNextWindow(6000);
    for (let i = 0; i < 3; i++) expect((await attempt("wrong password 123")).status).toBe(401);
    const limited = await attempt(user.password);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get("RateLimit-Policy")).toBe('"signin-account";q=3;w=6');
    expect(limited.headers.get("X-RateLimit-Remaining")).toBe("0");
    // Once the failures' window and the next one have passed, nothing counts any more.
    await startOfNextWindow(6000);
    await startOfNextWindow(6000);
    expect((await attempt(user.password)).status).toBe(200);
  }, 30_000);
});

describe("per-IP sign-in throttle", () => {
  it("limits failures from one IP across accounts", async () => {
    const quick = { ...bindings, AUTH_FAILURE_LIMIT: "1", AUTH_FAILURE_WINDOW: "6 s" } as typeof bindings;
    const ip = randomIp();
    await startOfNextWindow(6000);
    // 1 failure per account+IP, 3 per IP: three accounts each fail once, the fourth is refused.
    for (let i = 0; i < 3; i++) {
      const res = await send(quick, "/api/auth/signin", {
        method: "POST",
        headers: { "CF-Connecting-IP": ip },
        json: { email: uniqueEmail(`ip${i}`), password: "wrong password 123" },
      });
      expect(res.status).toBe(401);
    }
    const limited = await send(quick, "/api/auth/signin", {
      method: "POST",
      headers: { "CF-Connecting-IP": ip },
      json: { email: uniqueEmail("ip3"), password: "wrong password 123" },
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("RateLimit-Policy")).toBe('"signin-ip";q=3;w=6');
  }, 20_000);
});

describe("refresh tokens", () => {
  async function refresh(token: string, ip = randomIp()) {
    return send(bindings, "/api/auth/refresh", {
      method: "POST",
      headers: { "CF-Connecting-IP": ip },
      json: { refreshToken: token },
    });
  }

  it("rotates in one Neon round trip; each token is single use", async () => {
    const user = await signUp(bindings);
    const trace = traceId();
    const first = await send(bindings, "/api/auth/refresh", {
      method: "POST",
      headers: { "X-Request-Id": trace },
      json: { refreshToken: user.refreshToken },
    });
    expect(first.status).toBe(200);
    expect((await roundTrips(trace)).neon).toBe(1);
    const rotated = (await first.json()) as { refreshToken: string; accessToken: string };
    expect(rotated.refreshToken).not.toBe(user.refreshToken);
    expect((await refresh(rotated.refreshToken)).status).toBe(200);
  });

  it("lets two concurrent refreshes with the same token both succeed", async () => {
    const user = await signUp(bindings);
    const [a, b] = await Promise.all([refresh(user.refreshToken), refresh(user.refreshToken)]);
    expect([a.status, b.status]).toEqual([200, 200]);
  });

  it("revokes the whole session when a rotated token is reused after the grace window", async () => {
    const user = await signUp(bindings);
    const rotated = (await (await refresh(user.refreshToken)).json()) as {
      refreshToken: string;
      accessToken: string;
    };
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    const replay = await refresh(user.refreshToken);
    expect(replay.status).toBe(401);
    expect((await refresh(rotated.refreshToken)).status).toBe(401);
    expect((await send(bindings, "/api/me", { headers: bearer(rotated.accessToken) })).status).toBe(401);
    const sessionId = user.refreshToken.split(".")[0] as string;
    const audit = await createDb(loadConfig(bindings)).execute<{ action: string; actor_id: string }>(
      sql`select action, actor_id from audit_logs where target_type = 'session' and target_id = ${sessionId}`,
    );
    expect(audit.rows).toEqual([{ action: "session.refresh_reuse_detected", actor_id: user.userId }]);
  }, 20_000);

  it("refuses a made-up secret for a known session id as invalid, without revoking the session", async () => {
    const user = await signUp(bindings);
    const sessionId = user.refreshToken.split(".")[0];
    const forged = await refresh(`${sessionId}.${"A".repeat(43)}`);
    expect(forged.status).toBe(401);
    const live = await refresh(user.refreshToken);
    expect(live.status).toBe(200);
    const { accessToken } = (await live.json()) as { accessToken: string };
    expect((await send(bindings, "/api/me", { headers: bearer(accessToken) })).status).toBe(200);
  });

  it("refuses a cookie refresh from an origin that is not allowed", async () => {
    const user = await signUp(bindings);
    const res = await send(bindings, "/api/auth/refresh", {
      method: "POST",
      headers: { Cookie: `backline_refresh=${user.refreshToken}`, Origin: "https://evil.example.com" },
    });
    expect(res.status).toBe(403);
    const ok = await send(bindings, "/api/auth/refresh", {
      method: "POST",
      headers: { Cookie: `backline_refresh=${user.refreshToken}`, Origin: "https://app.example.com" },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("Set-Cookie")).toMatch(/^backline_refresh=/);
  });
});

describe("sign-out and sessions", () => {
  it("refuses the access token from the very next request after sign-out", async () => {
    const user = await signUp(bindings);
    expect((await send(bindings, "/api/me", { headers: bearer(user.accessToken) })).status).toBe(200);
    const out = await send(bindings, "/api/auth/signout", {
      method: "POST",
      headers: bearer(user.accessToken),
    });
    expect(out.status).toBe(204);
    expect((await send(bindings, "/api/me", { headers: bearer(user.accessToken) })).status).toBe(401);
    const again = await send(bindings, "/api/auth/refresh", {
      method: "POST",
      json: { refreshToken: user.refreshToken },
    });
    expect(again.status).toBe(401);
  });

  it("lists sessions with the current one flagged, deletes one, and signs out everywhere", async () => {
    const user = await signUp(bindings);
    const second = (await (
      await send(bindings, "/api/auth/signin", {
        method: "POST",
        headers: { "CF-Connecting-IP": randomIp(), "User-Agent": "second device" },
        json: { email: user.email, password: user.password },
      })
    ).json()) as { accessToken: string };
    const list = await send(bindings, "/api/auth/sessions", { headers: bearer(user.accessToken) });
    const { sessions } = (await list.json()) as {
      sessions: { id: string; current: boolean; userAgent: string }[];
    };
    expect(sessions).toHaveLength(2);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    const other = sessions.find((s) => !s.current);
    expect(other?.userAgent).toBe("second device");

    const del = await send(bindings, `/api/auth/sessions/${other?.id}`, {
      method: "DELETE",
      headers: bearer(user.accessToken),
    });
    expect(del.status).toBe(204);
    expect((await send(bindings, "/api/me", { headers: bearer(second.accessToken) })).status).toBe(401);
    const missing = await send(bindings, `/api/auth/sessions/${other?.id}`, {
      method: "DELETE",
      headers: bearer(user.accessToken),
    });
    expect(missing.status).toBe(404);

    expect(
      (await send(bindings, "/api/auth/signout-all", { method: "POST", headers: bearer(user.accessToken) }))
        .status,
    ).toBe(204);
    expect((await send(bindings, "/api/me", { headers: bearer(user.accessToken) })).status).toBe(401);
  });

  it("does not let one user end another user's session", async () => {
    const a = await signUp(bindings);
    const b = await signUp(bindings);
    const list = (await (
      await send(bindings, "/api/auth/sessions", { headers: bearer(a.accessToken) })
    ).json()) as {
      sessions: { id: string }[];
    };
    const res = await send(bindings, `/api/auth/sessions/${list.sessions[0]?.id}`, {
      method: "DELETE",
      headers: bearer(b.accessToken),
    });
    expect(res.status).toBe(404);
    expect((await send(bindings, "/api/me", { headers: bearer(a.accessToken) })).status).toBe(200);
  });
});

describe("budgets", () => {
  it("an authenticated, rate-limited read costs one Upstash round trip (limit + revocation) and no Neon for auth", async () => {
    const user = await signUp(bindings);
    await send(bindings, "/api/me", { headers: bearer(user.accessToken) }); // warm the limiter scripts
    const trace = traceId();
    const res = await send(bindings, "/api/me", {
      headers: { ...bearer(user.accessToken), "X-Request-Id": trace },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("RateLimit-Policy")).toMatch(/^"api";/);
    // The profile read is the one Neon round trip; authentication adds none.
    expect(await roundTrips(trace)).toMatchObject({ neon: 1, upstash: 1 });
  });
});

describe("returnRefreshToken is for non-browser clients only", () => {
  const browser = [
    ["an Origin header", { Origin: "http://localhost:8788" }],
    ["a cookie", { Cookie: "backline_refresh=x" }],
  ] as const;

  async function refused(res: Response) {
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const body = (await res.json()) as { errors: { path: string }[] };
    expect(body.errors.map((e) => e.path)).toEqual(["returnRefreshToken"]);
  }

  it.each(browser)(
    "refuses it on sign-up, sign-in and refresh from a request with %s",
    async (_, headers) => {
      const user = await signUp(bindings);
      await refused(
        await send(bindings, "/api/auth/signup", {
          method: "POST",
          headers,
          json: {
            email: uniqueEmail(),
            password: "a sturdy passphrase 42",
            displayName: "B",
            returnRefreshToken: true,
          },
        }),
      );
      await refused(
        await send(bindings, "/api/auth/signin", {
          method: "POST",
          headers,
          json: { email: user.email, password: user.password, returnRefreshToken: true },
        }),
      );
      await refused(
        await send(bindings, "/api/auth/refresh", {
          method: "POST",
          headers,
          json: { refreshToken: user.refreshToken, returnRefreshToken: true },
        }),
      );
      // The refused refresh did not use the token up.
      const ok = await send(bindings, "/api/auth/refresh", {
        method: "POST",
        json: { refreshToken: user.refreshToken, returnRefreshToken: true },
      });
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { refreshToken?: string }).refreshToken).toBeDefined();
    },
  );
});
