import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { PROBLEM_BASE } from "../../shared/errors";
import { bearer, type SignedUp, signUp, uniqueEmail } from "../../test/support/accounts";
import { fileEnv, roundTrips, send, type TestBindings, traceId } from "../../test/support/harness";
import { type Mail, mailFor, tokenIn } from "../../test/support/mailbox";
import { accessTokenFrom, oauthBindings, signInWith } from "../../test/support/oauth";

const bindings = fileEnv("email_change", oauthBindings);

function requestChange(
  accessToken: string,
  body: { newEmail: string; password?: string },
  env: TestBindings = bindings,
  headers: Record<string, string> = {},
) {
  return send(env, "/api/me/email", {
    method: "POST",
    headers: { ...bearer(accessToken), ...headers },
    json: body,
  });
}

function confirm(token: string) {
  return send(bindings, "/api/me/email/confirm", { method: "POST", json: { token } });
}

async function mailTo(address: string, subject: string): Promise<Mail | undefined> {
  return (await mailFor(address)).find((m) => m.subject === subject);
}

const CONFIRM = "Confirm your new email address";

/** Another sign-in of the same account (another device): its access and refresh tokens. */
async function otherSession(user: SignedUp) {
  const res = await send(bindings, "/api/auth/signin", {
    method: "POST",
    json: { email: user.email, password: user.password, returnRefreshToken: true },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { accessToken: string; refreshToken: string };
}

async function problemOf(res: Response) {
  return (await res.json()) as { type: string; errors?: { path: string }[] };
}

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  const result = await createDb(loadConfig(bindings)).execute(query);
  return result.rows as T[];
}

async function emailOf(accessToken: string) {
  const res = await send(bindings, "/api/me", { headers: bearer(accessToken) });
  expect(res.status).toBe(200);
  return (await res.json()) as { email: string; emailVerified: boolean };
}

describe("POST /api/me/email, then the link sent to the new address", () => {
  it("moves the account only once the new address confirms; other sessions end, the asking one stays", async () => {
    const user = await signUp(bindings);
    const other = await otherSession(user);
    const newEmail = uniqueEmail("moved");
    const trace = traceId();
    const res = await requestChange(user.accessToken, { newEmail, password: user.password }, bindings, {
      "X-Request-Id": trace,
    });
    expect(res.status).toBe(202);
    // Two before the answer (the account read, one batch), two after it (sending both emails).
    expect((await roundTrips(trace)).neon).toBe(4);
    expect((await mailTo(user.email, "A change of your email address was requested"))?.text).toContain(
      newEmail,
    );
    const link = await mailTo(newEmail, CONFIRM);
    expect(link?.text).toMatch(/\/confirm-email\?token=/);
    expect((await emailOf(user.accessToken)).email).toBe(user.email);
    // The outbox kept no secret: the link's token is not in any stored row.
    const token = tokenIn(link);
    const leaks = await rows<{ n: number }>(
      sql`select count(*)::int as n from email_outbox where params::text like ${`%${token}%`}`,
    );
    expect(leaks[0]?.n).toBe(0);

    const confirmed = await confirm(token);
    expect(confirmed.status).toBe(200);
    expect(await confirmed.json()).toEqual({ email: newEmail, emailVerified: true });
    expect(await emailOf(user.accessToken)).toMatchObject({ email: newEmail, emailVerified: true });
    expect((await send(bindings, "/api/me", { headers: bearer(other.accessToken) })).status).toBe(401);
    const refreshed = await send(bindings, "/api/auth/refresh", {
      method: "POST",
      json: { refreshToken: other.refreshToken },
    });
    expect(refreshed.status).toBe(401);
    expect((await mailTo(user.email, "Your email address was changed"))?.text).toContain(newEmail);

    const signIn = (email: string) =>
      send(bindings, "/api/auth/signin", { method: "POST", json: { email, password: user.password } });
    expect((await signIn(newEmail)).status).toBe(200);
    expect((await signIn(user.email)).status).toBe(401);
    const audit = await rows<{ action: string }>(
      sql`select action from audit_logs where actor_id = ${user.userId} and action like 'user.email_change%' order by id`,
    );
    expect(audit.map((a) => a.action)).toEqual(["user.email_change_requested", "user.email_changed"]);
  });

  it("refuses a used, an expired and a superseded link", async () => {
    const user = await signUp(bindings);
    const first = uniqueEmail("first");
    await requestChange(user.accessToken, { newEmail: first, password: user.password });
    const second = uniqueEmail("second");
    await requestChange(user.accessToken, { newEmail: second, password: user.password });
    const superseded = await confirm(tokenIn(await mailTo(first, CONFIRM)));
    expect(superseded.status).toBe(400);
    expect((await problemOf(superseded)).errors?.map((e) => e.path)).toEqual(["token"]);

    const token = tokenIn(await mailTo(second, CONFIRM));
    expect((await confirm(token)).status).toBe(200);
    expect((await confirm(token)).status).toBe(400);

    const third = uniqueEmail("third");
    await requestChange(user.accessToken, { newEmail: third, password: user.password });
    await rows(
      sql`update email_tokens set expires_at = now() - interval '1 minute' where new_email = ${third}`,
    );
    expect((await confirm(tokenIn(await mailTo(third, CONFIRM)))).status).toBe(400);
    expect((await emailOf(user.accessToken)).email).toBe(second);
  });

  it("refuses a wrong or missing password and the current address, sending nothing", async () => {
    const user = await signUp(bindings);
    const newEmail = uniqueEmail("nope");
    const wrong = await requestChange(user.accessToken, { newEmail, password: "not the password 1" });
    expect(wrong.status).toBe(401);
    expect((await problemOf(wrong)).type).toBe(`${PROBLEM_BASE}invalid-credentials`);
    const missing = await requestChange(user.accessToken, { newEmail });
    expect(missing.status).toBe(400);
    expect((await problemOf(missing)).errors?.map((e) => e.path)).toEqual(["password"]);
    const same = await requestChange(user.accessToken, { newEmail: user.email, password: user.password });
    expect(same.status).toBe(400);
    expect((await problemOf(same)).errors?.map((e) => e.path)).toEqual(["newEmail"]);
    expect(await mailFor(newEmail)).toEqual([]);
  });

  it("answers a taken address like a free one, telling that address instead of sending it a link", async () => {
    const holder = await signUp(bindings);
    const user = await signUp(bindings);
    const res = await requestChange(user.accessToken, { newEmail: holder.email, password: user.password });
    expect(res.status).toBe(202);
    expect(await res.text()).toBe("");
    const mails = await mailFor(holder.email);
    expect(mails.map((m) => m.subject)).toContain("This address already has an account");
    expect(mails.find((m) => m.subject === CONFIRM)).toBeUndefined();
    expect((await emailOf(user.accessToken)).email).toBe(user.email);
  });

  it("refuses with 409 an address taken between the request and the confirmation, changing nothing", async () => {
    const user = await signUp(bindings);
    const newEmail = uniqueEmail("raced");
    await requestChange(user.accessToken, { newEmail, password: user.password });
    const token = tokenIn(await mailTo(newEmail, CONFIRM));
    await signUp(bindings, { email: newEmail });
    const res = await confirm(token);
    expect(res.status).toBe(409);
    expect((await problemOf(res)).type).toBe(`${PROBLEM_BASE}email-taken`);
    expect((await emailOf(user.accessToken)).email).toBe(user.email);
  });

  it("lets an account without a password change its address within minutes of signing in, not later", async () => {
    const email = uniqueEmail("gh-mover");
    const accessToken = await accessTokenFrom(
      bindings,
      (await signInWith(bindings, "github", { email })).res,
    );
    const newEmail = uniqueEmail("gh-moved");
    expect((await requestChange(accessToken, { newEmail })).status).toBe(202);

    await rows(
      sql`update sessions set created_at = now() - interval '11 minutes' where user_id = (select id from users where email = ${email})`,
    );
    const stale = await requestChange(accessToken, { newEmail: uniqueEmail("gh-late") });
    expect(stale.status).toBe(403);
    expect((await problemOf(stale)).type).toBe(`${PROBLEM_BASE}recent-sign-in-required`);

    expect((await confirm(tokenIn(await mailTo(newEmail, CONFIRM)))).status).toBe(200);
    expect(await emailOf(accessToken)).toMatchObject({ email: newEmail, emailVerified: true });
  });

  it("counts wrong passwords in the account's budget shared with sign-in, then refuses with 429", async () => {
    const strict = { ...bindings, AUTH_FAILURE_LIMIT: "1", AUTH_FAILURE_WINDOW: "60 m" } as TestBindings;
    const user = await signUp(strict);
    const attempt = (password: string) =>
      requestChange(user.accessToken, { newEmail: uniqueEmail("guess"), password }, strict);
    for (let i = 0; i < 5; i++) expect((await attempt("wrong password 123")).status).toBe(401);
    const refused = await attempt(user.password);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("RateLimit-Policy")).toBe('"password-account";q=5;w=14400');
  }, 30_000);
});
