/**
 * PostgreSQL's own CPU for one Stripe webhook delivery (a `customer.subscription.updated`, the
 * bench's load): Backline's batch, its statements rendered by the worker's own code
 * (claimAsProcessedStatement, effectsOf), beside the stack floor's three plain statements
 * (bench/stack-floor/worker.ts, as drizzle renders them). On a throwaway PostgreSQL cluster,
 * migrated; one connection sends each batch as the Neon stand-in does (BEGIN, each statement an
 * unnamed extended-protocol query, COMMIT), and the backend's CPU is read from /proc. A real
 * PostgreSQL is needed (PGlite has no backend process).
 *
 * `npx tsx bench/pg-cost.ts [batches=2000]`
 */
import { readFileSync } from "node:fs";
import pg from "pg";
import type { Database } from "../db/database";
import { claimAsProcessedStatement, type LedgerEvent } from "../db/queries/webhook-events";
import { findPostgresBinaries, startPostgresCluster } from "../dev/neon/cluster";
import { migratePg } from "../dev/neon/migrations";
import { effectsOf } from "../shared/billing/events";
import type { Config } from "../shared/config";

interface Statement {
  sql: string;
  params: unknown[];
}

const BATCHES = Number(process.argv[2] ?? 2000);
const SUBSCRIPTIONS = 64;
const ROUNDS = 3;

/** A database stand-in that hands back each statement as the driver would send it. */
const rendering = {
  execute: (query: { toQuery(): Statement }) => query.toQuery(),
} as unknown as Database;
const config = {
  BILLING_GRACE_PERIOD: 3 * 86_400,
  BILLING_PLANS: [{ priceId: "price_premium_monthly" }],
} as unknown as Config;

/** A subscription update of one of the bench's subscriptions, as bench/run.ts signs them. */
function event(id: string, subscription: string): LedgerEvent {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    id,
    object: "event",
    api_version: "2026-10-28.endive",
    created: now,
    livemode: false,
    type: "customer.subscription.updated",
    data: {
      object: {
        id: subscription,
        object: "subscription",
        customer: "cus_bench",
        status: "active",
        cancel_at_period_end: false,
        canceled_at: null,
        ended_at: null,
        metadata: {},
        items: {
          object: "list",
          data: [
            { id: "si_bench", price: { id: "price_premium_monthly" }, current_period_end: now + 2_592_000 },
          ],
        },
      },
    },
  };
  const raw = JSON.stringify(payload);
  return { id, type: payload.type, createdAt: new Date(now * 1000), payload, raw };
}

async function backlineBatch(e: LedgerEvent): Promise<Statement[]> {
  const effects = await effectsOf(e, { db: rendering, config, stripe: {} as never });
  return [claimAsProcessedStatement(rendering, e), ...effects] as unknown as Statement[];
}

function stackBatch(e: LedgerEvent): Statement[] {
  const sub = (e.payload.data as { object: { id: string } }).object.id;
  const at = e.createdAt.toISOString();
  return [
    {
      sql: 'insert into "stripe_events" ("id", "type", "created_at", "processed_at", "status", "payload") values ($1, $2, $3, now(), $4, $5) on conflict do nothing',
      params: [e.id, e.type, at, "processed", e.raw],
    },
    {
      sql: 'insert into "subscriptions" ("id", "customer_id", "status", "price_id", "current_period_end", "cancel_at_period_end", "event_at", "event_rank", "updated_at") values ($1, $2, $3, $4, $5, $6, $7, $8, now()) on conflict ("id") do update set "status" = excluded.status, "price_id" = excluded.price_id, "current_period_end" = excluded.current_period_end, "cancel_at_period_end" = excluded.cancel_at_period_end, "event_at" = excluded.event_at, "updated_at" = now() where "subscriptions"."event_at" <= excluded.event_at',
      params: [sub, "cus_bench", "active", "price_premium_monthly", at, false, at, 1],
    },
    {
      sql: `update "users" set "tier" = case when exists (select 1 from subscriptions s where s.customer_id = $1 and s.status in ($2, $3, $4)) then $5 else $6 end where "users"."stripe_customer_id" = $7`,
      params: ["cus_bench", "active", "trialing", "past_due", "premium", "free", "cus_bench"],
    },
  ];
}

/** CPU ms (user + system) a process has used so far. */
function cpuMs(pid: number): number {
  const fields = (readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1] as string).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms
}

async function measure(
  client: pg.Client,
  pid: number,
  label: string,
  batch: (e: LedgerEvent) => Statement[] | Promise<Statement[]>,
): Promise<{ cpu: number; wall: number }> {
  const run = async (count: number, tag: string) => {
    for (let i = 0; i < count; i++) {
      const statements = await batch(event(`evt_${tag}_${i}`, `sub_bench_${label}_${i % SUBSCRIPTIONS}`));
      await client.query("BEGIN");
      for (const s of statements) await client.query(s.sql, s.params);
      await client.query("COMMIT");
    }
  };
  await run(200, `${label}_warm_${Date.now()}`);
  const before = cpuMs(pid);
  const started = performance.now();
  await run(BATCHES, `${label}_${Date.now()}`);
  return { cpu: (cpuMs(pid) - before) / BATCHES, wall: (performance.now() - started) / BATCHES };
}

const binaries = findPostgresBinaries();
if (!binaries) throw new Error("bench/pg-cost.ts needs PostgreSQL's binaries (initdb, pg_ctl)");
const cluster = await startPostgresCluster(binaries);
try {
  const admin = new pg.Client({ connectionString: cluster.adminUrl });
  await admin.connect();
  await admin.query("create database pg_cost");
  await admin.end();
  const url = new URL(cluster.adminUrl);
  url.pathname = "/pg_cost";
  const pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
  await migratePg(pool);
  await pool.end();
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  const pid = (await client.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]?.pid as number;
  console.log(`PostgreSQL CPU per webhook batch, ${BATCHES} batches per round (${binaries.version}):`);
  for (let round = 1; round <= ROUNDS; round++) {
    const backline = await measure(client, pid, "backline", backlineBatch);
    const stack = await measure(client, pid, "stack", stackBatch);
    console.log(
      `round ${round}: Backline ${backline.cpu.toFixed(3)} ms (wall ${backline.wall.toFixed(3)}), ` +
        `stack floor ${stack.cpu.toFixed(3)} ms (wall ${stack.wall.toFixed(3)})`,
    );
  }
  await client.end();
} finally {
  await cluster.stop();
}
