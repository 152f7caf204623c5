import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { purgeOutbox } from "../../db/queries/outbox";
import app from "../../functions";
import { bearer, signUp, uniqueEmail } from "../../test/support/accounts";
import { DEAD_URL, fileEnv, send } from "../../test/support/harness";
import { mailFor, tokenIn } from "../../test/support/mailbox";
import { createDb } from "../clients";
import { loadConfig } from "../config";
import { sha256 } from "../crypto";
import { deliverOutbox } from "./outbox";

const bindings = fileEnv("outbox");
const mailDown = { ...bindings, MAIL_URL: DEAD_URL };
const config = loadConfig(bindings);
const db = createDb(config);

/** Runs the cron once, with every unsent email due. */
async function runCron() {
  await db.execute(sql`update email_outbox set next_attempt_at = now() where sent_at is null`);
  const ctx = createExecutionContext();
  await app.scheduled(createScheduledController({ cron: "*/5 * * * *" }), bindings, ctx);
  await waitOnExecutionContext(ctx);
}

/** Tables of the public schema in which some row's text contains `needle`. */
async function tablesHolding(needle: string): Promise<string[]> {
  const tables = await db.execute<{ name: string }>(sql`
    select quote_ident(table_name) as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE'`);
  const holding: string[] = [];
  for (const { name } of tables.rows) {
    const hits = await db.execute<{ n: number }>(
      sql`select count(*)::int as n from ${sql.raw(name)} x where strpos(x::text, ${needle}) > 0`,
    );
    if (hits.rows[0]?.n) holding.push(name);
  }
  return holding;
}

function forgot(b: typeof bindings, email: string) {
  return send(b, "/api/auth/password/forgot", { method: "POST", json: { email } });
}

function resetWith(token: string, newPassword: string) {
  return send(bindings, "/api/auth/password/reset", { method: "POST", json: { token, newPassword } });
}

const resetMails = async (email: string) =>
  (await mailFor(email)).filter((m) => m.subject === "Reset your password");

describe("emailed links never rest in the database", () => {
  it("a queued email holds no link, and the sent link's secret is in no table (only its hash)", async () => {
    const user = await signUp(mailDown);
    const queued = await db.execute<{ row: string }>(
      sql`select row_to_json(o)::text as row from email_outbox o where user_id = ${user.userId}`,
    );
    expect(queued.rows).toHaveLength(2);
    for (const { row } of queued.rows) expect(row).not.toContain("token=");

    await runCron();
    const token = tokenIn((await mailFor(user.email)).find((m) => m.subject.startsWith("Confirm")));
    expect(await tablesHolding(token)).toEqual([]);
    const tokens = await db.execute<{ token_hash: string }>(
      sql`select token_hash from email_tokens where user_id = ${user.userId}`,
    );
    expect(tokens.rows).toEqual([{ token_hash: await sha256(token) }]);
    const verified = await send(bindings, "/api/auth/email/verify", { method: "POST", json: { token } });
    expect(verified.status).toBe(200);
  });

  it("a retry mints a new secret: the link that failed to go out never works", async () => {
    const user = await signUp(bindings);
    expect((await forgot(mailDown, user.email)).status).toBe(202);
    const failed = await db.execute<{ token_hash: string | null }>(
      sql`select token_hash from email_tokens where user_id = ${user.userId} and purpose = 'reset_password'`,
    );
    expect(failed.rows).toEqual([{ token_hash: expect.any(String) }]);
    expect(await resetMails(user.email)).toHaveLength(0);

    await runCron();
    const [mail] = await resetMails(user.email);
    const token = tokenIn(mail);
    const minted = await db.execute<{ token_hash: string }>(
      sql`select token_hash from email_tokens where user_id = ${user.userId} and purpose = 'reset_password'`,
    );
    expect(minted.rows).toEqual([{ token_hash: await sha256(token) }]);
    expect(minted.rows[0]?.token_hash).not.toBe(failed.rows[0]?.token_hash);
    expect((await resetWith(token, "a retried passphrase")).status).toBe(204);
  });

  it("a queued reset email whose link a later reset used is dropped, not sent", async () => {
    const user = await signUp(bindings);
    await forgot(mailDown, user.email);
    await forgot(bindings, user.email);
    const [newer, ...others] = await resetMails(user.email);
    expect(others).toHaveLength(0);
    expect((await resetWith(tokenIn(newer), "the newer passphrase")).status).toBe(204);

    await runCron();
    expect(await resetMails(user.email)).toHaveLength(1);
    const left = await db.execute(
      sql`select 1 from email_outbox where user_id = ${user.userId} and sent_at is null`,
    );
    expect(left.rows).toHaveLength(0);
  });

  it("two delivery passes over the same email send it once, with a working link", async () => {
    const user = await signUp(mailDown);
    await db.execute(sql`update email_outbox set next_attempt_at = now() where user_id = ${user.userId}`);
    const ids = (
      await db.execute<{ id: string }>(
        sql`select id from email_outbox where user_id = ${user.userId} and template = 'verify-email'`,
      )
    ).rows.map((r) => r.id);
    await Promise.all([deliverOutbox(db, config, ids), deliverOutbox(db, config, ids)]);
    const mails = (await mailFor(user.email)).filter((m) => m.subject.startsWith("Confirm"));
    expect(mails).toHaveLength(1);
    const verified = await send(bindings, "/api/auth/email/verify", {
      method: "POST",
      json: { token: tokenIn(mails[0]) },
    });
    expect(verified.status).toBe(200);
  });
});

describe("sent emails keep nothing personal", () => {
  it("a sent email keeps no parameters; the goodbye email of a deleted account keeps no recipient either", async () => {
    const user = await signUp(bindings);
    const sent = await db.execute<{ params: unknown; sent: boolean }>(
      sql`select params, sent_at is not null as sent from email_outbox where user_id = ${user.userId}`,
    );
    expect(sent.rows).toEqual([
      { params: null, sent: true },
      { params: null, sent: true },
    ]);

    const deleted = await send(bindings, "/api/me", {
      method: "DELETE",
      headers: bearer(user.accessToken),
      json: { password: user.password },
    });
    expect(deleted.status).toBe(204);
    expect((await mailFor(user.email)).some((m) => m.subject === "Your account was deleted")).toBe(true);
    expect(await tablesHolding(user.email)).toEqual([]);
    const goodbye = await db.execute<{ row: string }>(sql`
      select row_to_json(o)::text as row from email_outbox o
      where template = 'account-deleted' and sent_at is not null`);
    expect(goodbye.rows).toHaveLength(1);
    expect(goodbye.rows[0]?.row).not.toContain("Test User");
  });
});

describe("outbox retention", () => {
  async function queue(v: { sentDaysAgo?: number; createdDaysAgo: number; attempts: number }) {
    const id = crypto.randomUUID();
    const sentAt = v.sentDaysAgo === undefined ? null : sql`now() - make_interval(days => ${v.sentDaysAgo})`;
    await db.execute(sql`
      insert into email_outbox (id, "to", template, params, attempts, sent_at, created_at)
      values (${id}::uuid, ${uniqueEmail("retention")}, 'welcome', '{"displayName":"R"}', ${v.attempts},
        ${sentAt}, now() - make_interval(days => ${v.createdDaysAgo}))`);
    return id;
  }

  async function remaining(ids: string[]) {
    const rows = await db.execute<{ id: string }>(
      sql`select id from email_outbox where id in (${sql.join(
        ids.map((id) => sql`${id}::uuid`),
        sql`, `,
      )})`,
    );
    return rows.rows.map((r) => r.id).sort();
  }

  it("purges emails sent more than 7 days ago, and those given up on, and keeps the rest", async () => {
    const oldSent = await queue({ sentDaysAgo: 8, createdDaysAgo: 8, attempts: 1 });
    const recentSent = await queue({ sentDaysAgo: 1, createdDaysAgo: 1, attempts: 1 });
    const oldRetrying = await queue({ createdDaysAgo: 8, attempts: 3 });
    const givenUp = await queue({ createdDaysAgo: 8, attempts: 10 });
    expect(await purgeOutbox(db)).toBeGreaterThanOrEqual(2);
    expect(await remaining([oldSent, recentSent, oldRetrying, givenUp])).toEqual(
      [recentSent, oldRetrying].sort(),
    );
  });

  it("the cron deletes emailed tokens a week past their expiry, and keeps the rest", async () => {
    const { userId } = await signUp(bindings);
    const token = async (expiredDaysAgo: number) => {
      const id = crypto.randomUUID();
      await db.execute(sql`
        insert into email_tokens (id, user_id, purpose, expires_at)
        values (${id}::uuid, ${userId}::uuid, 'reset_password', now() - make_interval(days => ${expiredDaysAgo}))`);
      return id;
    };
    const old = await token(8);
    const recent = await token(1);
    await runCron();
    const left = await db.execute<{ id: string }>(
      sql`select id from email_tokens where id in (${old}::uuid, ${recent}::uuid)`,
    );
    expect(left.rows.map((r) => r.id)).toEqual([recent]);
  });

  it("the cron purges them", async () => {
    const oldSent = await queue({ sentDaysAgo: 8, createdDaysAgo: 8, attempts: 1 });
    await runCron();
    expect(await remaining([oldSent])).toEqual([]);
  });
});
