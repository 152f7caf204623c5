/**
 * The entitlement rule (db/entitlements.ts) once as a table, checked twice: the TypeScript
 * rule, and the SQL the webhook's tier recomputation and the grace cron run on a real database.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ENTITLEMENTS, entitlesPremium, FREE_PATTERN_LIMIT, hasEnded, holdsPlan } from "../db/entitlements";
import { recomputeTierStatement } from "../db/queries/billing";
import { insertUser } from "../db/queries/users";
import { createDb } from "../shared/clients";
import { loadConfig } from "../shared/config";
import { fileEnv } from "./support/harness";

const bindings = fileEnv("entitlements");
const db = () => createDb(loadConfig(bindings));

const GRACE = 3 * 86_400;
const PLAN_PRICE = "price_rule_plan";
const OTHER_PRICE = "price_rule_other_product";
const RULE_INPUT = { graceSeconds: GRACE, planPriceIds: [PLAN_PRICE, "price_rule_plan_yearly"] };
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);

/** [status, past_due_since, price, premium, holds a plan (by status), ended] */
const RULE: [string, Date | null, string | null, boolean, boolean, boolean][] = [
  ["active", null, PLAN_PRICE, true, true, false],
  ["trialing", null, PLAN_PRICE, true, true, false],
  ["past_due", hoursAgo(1), PLAN_PRICE, true, true, false],
  ["past_due", hoursAgo(24 * 3 + 1), PLAN_PRICE, false, true, false],
  ["past_due", null, PLAN_PRICE, false, true, false],
  ["unpaid", null, PLAN_PRICE, false, true, false],
  ["incomplete", null, PLAN_PRICE, false, false, false],
  ["paused", null, PLAN_PRICE, false, false, false],
  ["canceled", null, PLAN_PRICE, false, false, true],
  ["incomplete_expired", null, PLAN_PRICE, false, false, true],
  // Another product's subscription on the same customer grants nothing, whatever its status.
  ["active", null, OTHER_PRICE, false, true, false],
  ["trialing", null, OTHER_PRICE, false, true, false],
  ["past_due", hoursAgo(1), OTHER_PRICE, false, true, false],
  ["active", null, null, false, true, false],
];

describe("the entitlement rule", () => {
  it.each(RULE)(
    "%s (past_due since %s) of %s: premium %s, holds a plan %s, ended %s",
    (status, since, priceId, premium, held, ended) => {
      expect(entitlesPremium({ status, priceId, pastDueSince: since }, RULE_INPUT)).toBe(premium);
      expect(holdsPlan(status)).toBe(held);
      expect(hasEnded(status)).toBe(ended);
    },
  );

  it("lists the free pattern limit among the free tier's entitlements", () => {
    expect(ENTITLEMENTS.free).toContain(`patterns:${FREE_PATTERN_LIMIT}`);
    expect(ENTITLEMENTS.premium).toContain("patterns:unlimited");
  });

  it("is what the SQL of the tier recomputation decides, status by status", async () => {
    // One status at a time: sixteen in parallel queue 64 statements on the embedded database at
    // once, and on a busy machine the last of them ran into the driver's 5 s bound.
    const rows = [];
    for (const [i, [status, since, priceId, premium]] of RULE.entries()) {
      const userId = crypto.randomUUID();
      await insertUser(db(), {
        id: userId,
        email: `rule-${i}-${userId}@example.com`,
        passwordHash: "unused",
        displayName: "Rule",
      });
      await db().execute(sql`
          insert into subscriptions (id, user_id, customer_id, status, price_id, past_due_since, event_at, event_rank)
          values (${`sub_rule_${i}_${userId.slice(0, 8)}`}, ${userId}, ${`cus_rule_${i}`}, ${status}, ${priceId},
            ${since?.toISOString() ?? null}::timestamptz, now(), 0)`);
      await recomputeTierStatement(db(), { userId }, { ...RULE_INPUT, reason: {} });
      const tier = await db().execute<{ tier: string }>(sql`select tier from users where id = ${userId}`);
      rows.push({
        status,
        since,
        priceId,
        expected: premium ? "premium" : "free",
        tier: tier.rows[0]?.tier,
      });
    }
    for (const row of rows) {
      expect(row.tier, `${row.status} since ${row.since} of ${row.priceId}`).toBe(row.expected);
    }
  });
});
