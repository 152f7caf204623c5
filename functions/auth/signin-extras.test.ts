import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { scrypt } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import app from "../../functions";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { signUp } from "../../test/support/accounts";
import { DEAD_URL, fileEnv, send } from "../../test/support/harness";
import { mailFor } from "../../test/support/mailbox";

// The production hashing cost: a rehash on sign-in moves a hash to it.
const bindings = fileEnv("signin_extras", { PASSWORD_HASH_COST: undefined });
const db = () => createDb(loadConfig(bindings));

function weakHash(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return new Promise((resolve, reject) =>
    scrypt(password, salt, 32, { N: 2 ** 10, r: 8, p: 1 }, (err, key) => {
      if (err) return reject(err);
      const b64 = (bytes: Uint8Array) =>
        btoa(String.fromCharCode(...bytes))
          .replace(/\+/g, "-")
          .replace(/\//g, "_")
          .replace(/=+$/, "");
      resolve(`$scrypt$ln=10,r=8,p=1$${b64(salt)}$${b64(key)}`);
    }),
  );
}

describe("sign-in housekeeping", () => {
  it("rehashes a password stored with old parameters on sign-in", async () => {
    const user = await signUp(bindings);
    await db().execute(
      sql`update users set password_hash = ${await weakHash(user.password)} where id = ${user.userId}`,
    );
    const res = await send(bindings, "/api/auth/signin", {
      method: "POST",
      json: { email: user.email, password: user.password },
    });
    expect(res.status).toBe(200);
    const rows = await db().execute<{ password_hash: string }>(
      sql`select password_hash from users where id = ${user.userId}`,
    );
    expect(rows.rows[0]?.password_hash).toMatch(/^\$scrypt\$ln=14,r=8,p=5\$/);
  });

  it("audit-logs success and failure with IP and user agent", async () => {
    const user = await signUp(bindings);
    const headers = { "CF-Connecting-IP": "203.0.113.7", "User-Agent": "audit-check/1.0" };
    await send(bindings, "/api/auth/signin", {
      method: "POST",
      headers,
      json: { email: user.email, password: "wrong wrong wrong" },
    });
    await send(bindings, "/api/auth/signin", {
      method: "POST",
      headers,
      json: { email: user.email, password: user.password },
    });
    const rows = await db().execute<{ action: string; ip: string; user_agent: string }>(sql`
      select action, ip, user_agent from audit_logs
      where actor_id = ${user.userId} and action like 'auth.signin%' order by id`);
    expect(rows.rows).toEqual([
      { action: "auth.signin_failed", ip: "203.0.113.7", user_agent: "audit-check/1.0" },
      { action: "auth.signin", ip: "203.0.113.7", user_agent: "audit-check/1.0" },
    ]);
  });

  it("keeps emails the transport refused in the outbox, and the cron retries them", async () => {
    const down = { ...bindings, MAIL_URL: DEAD_URL };
    const user = await signUp(down);
    const pending = await db().execute<{ attempts: number; last_error: string | null }>(
      sql`select attempts, last_error from email_outbox where user_id = ${user.userId} and sent_at is null`,
    );
    expect(pending.rows).toHaveLength(2);
    expect(pending.rows.every((r) => r.attempts === 1 && r.last_error !== null)).toBe(true);
    expect(await mailFor(user.email)).toHaveLength(0);

    await db().execute(sql`update email_outbox set next_attempt_at = now() where user_id = ${user.userId}`);
    const ctx = createExecutionContext();
    await app.scheduled(createScheduledController({ cron: "*/5 * * * *" }), bindings, ctx);
    await waitOnExecutionContext(ctx);
    expect((await mailFor(user.email)).map((m) => m.subject).sort()).toEqual([
      "Confirm your email address",
      "Welcome to Music Producer Lab",
    ]);
    const left = await db().execute(
      sql`select 1 from email_outbox where user_id = ${user.userId} and sent_at is null`,
    );
    expect(left.rows).toHaveLength(0);
  });

  it("sets SameSite=None on the refresh cookie when configured for cross-site frontends", async () => {
    const crossSite = { ...bindings, REFRESH_COOKIE_SAMESITE: "None" };
    const res = await send(crossSite, "/api/auth/signup", {
      method: "POST",
      json: {
        email: `x-${crypto.randomUUID().slice(0, 8)}@example.com`,
        password: "a sturdy passphrase",
        displayName: "X",
      },
    });
    expect(res.headers.get("Set-Cookie")).toContain("SameSite=None");
    expect(res.headers.get("Set-Cookie")).toContain("Secure");
  });
});
