import type { Context } from "hono";
import { purgeEmailTokens } from "../../db/queries/email-tokens";
import {
  type ClaimedEmail,
  claimDue,
  type Delivery,
  purgeOutbox,
  recordDeliveries,
} from "../../db/queries/outbox";
import type { Config } from "../config";
import { randomToken, sha256 } from "../crypto";
import { describeError } from "../db-errors";
import type { AppEnv, Database } from "../env";
import { tokenLink } from "./links";
import { fromQueued, renderEmail } from "./templates";
import { sendEmail } from "./transport";

/** At most this many emails go out in one scheduled delivery pass. */
const PASS_SIZE = 50;

/**
 * Sends outbox emails (the given ids, or every due one) and records each outcome, in two
 * statements: the claim, which also mints the links, and the record. An emailed link's
 * secret is made here, just before sending: the claim stores only its hash, so the secret
 * never reaches the database, and a retry mints a new one (the undelivered link never
 * works). Runs after the commit, in `waitUntil` or the scheduled handler; failures stay in
 * the outbox with back-off and are retried by the next scheduled run.
 */
export async function deliverOutbox(db: Database, config: Config, ids?: string[]): Promise<void> {
  if (ids && ids.length === 0) return;
  // One secret per row the claim may take: which rows carry a link is known only once claimed.
  const secrets = Array.from({ length: ids?.length ?? PASS_SIZE }, () => randomToken());
  const hashes = await Promise.all(secrets.map(sha256));
  const rows = await claimDue(db, { ids, hashes });
  const results = await Promise.all(rows.map((row) => deliverOne(config, row, secrets[row.slot - 1])));
  await recordDeliveries(db, results);
}

async function deliverOne(config: Config, row: ClaimedEmail, secret: string | undefined): Promise<Delivery> {
  if (row.link === "dead") {
    // Its token was used (a later reset) or expired, or its team invitation was accepted, revoked or
    // expired, before the email could go: a dead link is not worth sending.
    console.log(
      JSON.stringify({ level: "info", msg: "outbox email dropped: its link died unsent", id: row.id }),
    );
    return { id: row.id, dropped: true };
  }
  try {
    if (!row.to) throw new Error("outbox row has no recipient");
    const email = fromQueued(row);
    const link =
      row.link === "minted" && secret ? tokenLink(config.APP_URL, email.template, secret) : undefined;
    await sendEmail(config, { to: row.to, ...renderEmail(email, link) });
    return { id: row.id };
  } catch (error) {
    return { id: row.id, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Deletes outbox rows past retention (`OUTBOX_RETENTION_DAYS` after sending, or after queueing
 * for those given up on), then emailed tokens `EMAIL_TOKEN_RETENTION_DAYS` past their expiry;
 * for the cron.
 */
export async function purgeSentEmails(db: Database): Promise<void> {
  const purged = await purgeOutbox(db);
  if (purged > 0) console.log(JSON.stringify({ level: "info", msg: "outbox purged", rows: purged }));
  const tokens = await purgeEmailTokens(db);
  if (tokens > 0) console.log(JSON.stringify({ level: "info", msg: "email tokens purged", rows: tokens }));
}

/** Sends the given outbox emails once the response is out (`waitUntil`), after the commit. */
export function deliverAfterResponse<E extends AppEnv>(c: Context<E>, ids: string[]): void {
  c.executionCtx.waitUntil(
    deliverOutbox(c.get("db"), c.get("config"), ids).catch((error: unknown) => {
      console.error(
        JSON.stringify({
          level: "error",
          msg: "outbox delivery failed",
          requestId: c.get("requestId"),
          ...describeError(error),
        }),
      );
    }),
  );
}
