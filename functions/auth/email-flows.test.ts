import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { bearer, signUp, uniqueEmail } from "../../test/support/accounts";
import { fileEnv, randomIp, send } from "../../test/support/harness";
import { mailFor, tokenIn } from "../../test/support/mailbox";

const bindings = fileEnv("email_flows");

function signin(email: string, password: string) {
  return send(bindings, "/api/auth/signin", {
    method: "POST",
    headers: { "CF-Connecting-IP": randomIp() },
    json: { email, password },
  });
}

describe("email verification", () => {
  it("sends welcome and verification emails at sign-up; the link verifies once", async () => {
    const user = await signUp(bindings);
    const mails = await mailFor(user.email);
    expect(mails.map((m) => m.subject).sort()).toEqual([
      "Confirm your email address",
      "Welcome to Music Producer Lab",
    ]);
    const verify = mails.find((m) => m.subject.startsWith("Confirm"));
    expect(verify?.html).toContain("https://app.example.com/verify-email?token=");
    const token = tokenIn(verify);

    const ok = await send(bindings, "/api/auth/email/verify", { method: "POST", json: { token } });
    expect(ok.status).toBe(200);
    const me = (await (await send(bindings, "/api/me", { headers: bearer(user.accessToken) })).json()) as {
      emailVerified: boolean;
    };
    expect(me.emailVerified).toBe(true);
    const again = await send(bindings, "/api/auth/email/verify", { method: "POST", json: { token } });
    expect(again.status).toBe(400);
    expect(((await again.json()) as { errors: { path: string }[] }).errors[0]?.path).toBe("token");
  });

  it("sends a new link on request", async () => {
    const user = await signUp(bindings);
    const res = await send(bindings, "/api/auth/email/verify-request", {
      method: "POST",
      headers: bearer(user.accessToken),
    });
    expect(res.status).toBe(202);
    expect((await mailFor(user.email)).filter((m) => m.subject.startsWith("Confirm"))).toHaveLength(2);
  });
});

describe("password reset", () => {
  it("answers 202 for an unknown address and sends nothing", async () => {
    const ghost = uniqueEmail("ghost");
    const res = await send(bindings, "/api/auth/password/forgot", { method: "POST", json: { email: ghost } });
    expect(res.status).toBe(202);
    expect(await mailFor(ghost)).toHaveLength(0);
  });

  it("resets with the emailed token once, and signs out every session", async () => {
    const user = await signUp(bindings);
    expect(
      (await send(bindings, "/api/auth/password/forgot", { method: "POST", json: { email: user.email } }))
        .status,
    ).toBe(202);
    const mail = (await mailFor(user.email)).find((m) => m.subject === "Reset your password");
    const token = tokenIn(mail);
    expect(token.length).toBeGreaterThanOrEqual(43); // 256 bits, base64url

    const res = await send(bindings, "/api/auth/password/reset", {
      method: "POST",
      json: { token, newPassword: "a brand new passphrase" },
    });
    expect(res.status).toBe(204);
    expect((await send(bindings, "/api/me", { headers: bearer(user.accessToken) })).status).toBe(401);
    expect((await signin(user.email, user.password)).status).toBe(401);
    expect((await signin(user.email, "a brand new passphrase")).status).toBe(200);
    const reuse = await send(bindings, "/api/auth/password/reset", {
      method: "POST",
      json: { token, newPassword: "yet another passphrase" },
    });
    expect(reuse.status).toBe(400);
    expect((await mailFor(user.email)).some((m) => m.subject === "Your password was changed")).toBe(true);
  });

  it("an older reset link stops working once a newer one is used", async () => {
    const user = await signUp(bindings);
    const resetLinks = async () =>
      (await mailFor(user.email)).filter((m) => m.subject === "Reset your password").map((m) => tokenIn(m));
    await send(bindings, "/api/auth/password/forgot", { method: "POST", json: { email: user.email } });
    const [older] = await resetLinks();
    await send(bindings, "/api/auth/password/forgot", { method: "POST", json: { email: user.email } });
    const [newer, ...rest] = await resetLinks();
    expect(rest).toEqual([older]);
    const reset = (token: string | undefined, newPassword: string) =>
      send(bindings, "/api/auth/password/reset", { method: "POST", json: { token, newPassword } });
    expect((await reset(newer, "the newer passphrase")).status).toBe(204);
    expect((await reset(older, "the older passphrase")).status).toBe(400);
    expect((await signin(user.email, "the older passphrase")).status).toBe(401);
    expect((await signin(user.email, "the newer passphrase")).status).toBe(200);
  });
});

describe("password change", () => {
  it("needs the current password, keeps this session and signs out the others", async () => {
    const user = await signUp(bindings);
    const other = (await (await signin(user.email, user.password)).json()) as { accessToken: string };
    const wrong = await send(bindings, "/api/auth/password/change", {
      method: "POST",
      headers: bearer(user.accessToken),
      json: { currentPassword: "not it at all", newPassword: "a changed passphrase" },
    });
    expect(wrong.status).toBe(401);
    const res = await send(bindings, "/api/auth/password/change", {
      method: "POST",
      headers: bearer(user.accessToken),
      json: { currentPassword: user.password, newPassword: "a changed passphrase" },
    });
    expect(res.status).toBe(204);
    expect((await send(bindings, "/api/me", { headers: bearer(user.accessToken) })).status).toBe(200);
    expect((await send(bindings, "/api/me", { headers: bearer(other.accessToken) })).status).toBe(401);
    expect((await signin(user.email, "a changed passphrase")).status).toBe(200);
    expect((await mailFor(user.email)).some((m) => m.subject === "Your password was changed")).toBe(true);
  });

  it("an older reset link stops working once a newer one is used", async () => {
    const user = await signUp(bindings);
    const resetLinks = async () =>
      (await mailFor(user.email)).filter((m) => m.subject === "Reset your password").map((m) => tokenIn(m));
    await send(bindings, "/api/auth/password/forgot", { method: "POST", json: { email: user.email } });
    const [older] = await resetLinks();
    await send(bindings, "/api/auth/password/forgot", { method: "POST", json: { email: user.email } });
    const [newer, ...rest] = await resetLinks();
    expect(rest).toEqual([older]);
    const reset = (token: string | undefined, newPassword: string) =>
      send(bindings, "/api/auth/password/reset", { method: "POST", json: { token, newPassword } });
    expect((await reset(newer, "the newer passphrase")).status).toBe(204);
    expect((await reset(older, "the older passphrase")).status).toBe(400);
    expect((await signin(user.email, "the older passphrase")).status).toBe(401);
    expect((await signin(user.email, "the newer passphrase")).status).toBe(200);
  });
});

describe("DELETE /api/me", () => {
  it("needs the password, then leaves no rows of that user", async () => {
    const user = await signUp(bindings);
    await signin(user.email, user.password);
    const saved = await send(bindings, "/api/patterns", {
      method: "POST",
      headers: bearer(user.accessToken),
      json: { name: "Mine", tempo: 90, tracks: [] },
    });
    expect(saved.status).toBe(201);
    const wrong = await send(bindings, "/api/me", {
      method: "DELETE",
      headers: bearer(user.accessToken),
      json: { password: "nope nope nope" },
    });
    expect(wrong.status).toBe(401);
    const res = await send(bindings, "/api/me", {
      method: "DELETE",
      headers: bearer(user.accessToken),
      json: { password: user.password },
    });
    expect(res.status).toBe(204);
    expect((await send(bindings, "/api/me", { headers: bearer(user.accessToken) })).status).toBe(401);

    const db = createDb(loadConfig(bindings));
    const counts = await db.execute<Record<string, number>>(sql`
      select
        (select count(*)::int from users where id = ${user.userId}) as users,
        (select count(*)::int from sessions where user_id = ${user.userId}) as sessions,
        (select count(*)::int from patterns where user_id = ${user.userId}) as patterns,
        (select count(*)::int from email_tokens where user_id = ${user.userId}) as tokens,
        (select count(*)::int from email_outbox where user_id = ${user.userId}) as outbox,
        (select count(*)::int from audit_logs where actor_id = ${user.userId}) as audit_actor,
        (select count(*)::int from audit_logs where ip = ${user.ip}) as audit_ip,
        (select count(*)::int from audit_logs where action = 'user.deleted' and target_id = ${user.userId}) as deletion_logged
    `);
    expect(counts.rows[0]).toEqual({
      users: 0,
      sessions: 0,
      patterns: 0,
      tokens: 0,
      outbox: 0,
      audit_actor: 0,
      audit_ip: 0,
      deletion_logged: 1,
    });
    expect((await mailFor(user.email)).some((m) => m.subject === "Your account was deleted")).toBe(true);
  });
});
