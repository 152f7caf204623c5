/**
 * PostgreSQL's own CPU per write, Backline's statements (rendered by the worker's own code)
 * beside the stack floor's plain ones (bench/stack-floor/worker.ts, as drizzle renders them):
 * - a Stripe webhook delivery (a `customer.subscription.updated`, the bench's load): Backline's
 *   batch (claimAsProcessedStatement, effectsOf) against the stack's three statements;
 * - a refresh token's rotation (rotateRefreshToken) against the stack's `update … returning`,
 *   over 64 sessions in turn;
 * - a premium account's pattern create (createPatternStatement, premium only: the bench's
 *   creates) against the stack's `insert … returning`.
 * On a throwaway PostgreSQL cluster, migrated; one connection sends each batch as the Neon
 * stand-in does (BEGIN, each statement an unnamed extended-protocol query, COMMIT; a lone
 * statement without them), and the backend's CPU is read from /proc. A real PostgreSQL is needed
 * (PGlite has no backend process).
 *
 * `npx tsx bench/pg-cost.ts [batches=2000]`
 */
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import pg from "pg";
import type { Database } from "../db/database";
import { createPatternStatement } from "../db/queries/patterns";
import { rotateRefreshToken } from "../db/queries/sessions";
import { claimAsProcessedStatement, type LedgerEvent } from "../db/queries/webhook-events";
import { findPostgresBinaries, startPostgresCluster } from "../dev/neon/cluster";
import { migratePg } from "../dev/neon/migrations";
import { effectsOf } from "../shared/billing/events";
import type { Config } from "../shared/config";
import { subscriptionUpdated } from "./stripe-event";

interface Statement {
  sql: string;
  params: unknown[];
}

const BATCHES = Number(process.argv[2] ?? 2000);
const SUBSCRIPTIONS = 64;
const ROUNDS = 3;

const dialect = new PgDialect();
/** A statement as the driver sends it: rendered once already (renderOnce), or rendered here. */
function render(query: SQL): Statement {
  try {
    return (query as unknown as { toQuery(): Statement }).toQuery();
  } catch {
    return dialect.sqlToQuery(query);
  }
}

/** A database stand-in that hands back each statement as the driver would send it. */
const rendering = { execute: render } as unknown as Database;
const config = {
  BILLING_GRACE_PERIOD: 3 * 86_400,
  BILLING_PLANS: [{ priceId: "price_premium_monthly" }],
} as unknown as Config;

/** A subscription update of one of the bench's subscriptions, as bench/run.ts signs them. */
function event(id: string, subscription: string): LedgerEvent {
  const now = Math.floor(Date.now() / 1000);
  const payload = subscriptionUpdated(id, subscription, now);
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

/** Each request's statements: a batch (in a transaction, as `db.batch` sends it) or one statement. */
type Requests = (i: number) => Promise<{ statements: Statement[]; batch: boolean }>;

async function measure(
  client: pg.Client,
  pid: number,
  requests: Requests,
): Promise<{ cpu: number; wall: number }> {
  const run = async (from: number, count: number) => {
    for (let i = from; i < from + count; i++) {
      const { statements, batch } = await requests(i);
      if (batch) await client.query("BEGIN");
      for (const s of statements) await client.query(s.sql, s.params);
      if (batch) await client.query("COMMIT");
    }
  };
  await run(0, 200);
  const before = cpuMs(pid);
  const started = performance.now();
  await run(200, BATCHES);
  return { cpu: (cpuMs(pid) - before) / BATCHES, wall: (performance.now() - started) / BATCHES };
}

/** The webhook's requests: a new event id each time, over 64 subscriptions. */
function webhookRequests(
  label: string,
  batchOf: (e: LedgerEvent) => Statement[] | Promise<Statement[]>,
): Requests {
  const tag = `${label}_${Date.now()}`;
  let sent = 0; // event ids stay new across rounds
  return async (i) => ({
    statements: await batchOf(event(`evt_${tag}_${sent++}`, `sub_bench_${label}_${i % SUBSCRIPTIONS}`)),
    batch: true,
  });
}

/** 64 sessions of one new user, and their current refresh hashes (each rotation moves one on). */
async function refreshSessions(client: pg.Client): Promise<{ id: string; hash: string }[]> {
  const user = randomUUID();
  await client.query(
    "insert into users (id, email, password_hash, display_name) values ($1, $2, 'x', 'Bench')",
    [user, `pg-cost-${user}@example.com`],
  );
  const sessions = Array.from({ length: SUBSCRIPTIONS }, () => ({
    id: randomUUID(),
    hash: randomBytes(32).toString("base64url"),
  }));
  for (const s of sessions)
    await client.query(
      "insert into sessions (id, user_id, refresh_hash, expires_at) values ($1, $2, $3, now() + interval '30 days')",
      [s.id, user, s.hash],
    );
  return sessions;
}

/** A new premium user's id. */
async function premiumUser(client: pg.Client): Promise<string> {
  const user = randomUUID();
  await client.query(
    "insert into users (id, email, password_hash, display_name, tier) values ($1, $2, 'x', 'Bench', 'premium')",
    [user, `pg-cost-${user}@example.com`],
  );
  return user;
}

const PATTERN = {
  name: "Bench groove",
  tempo: 120,
  tracks: [
    { instrument: "kick", steps: [true, false, false, false, true, false, false, false], volume: 0.8 },
  ],
  mixer: { masterVolume: 0.8 },
};

/** A premium account's creates: Backline's statement as createPattern sends it first. */
function backlineCreates(userId: string): Requests {
  return async () => {
    const sent = await createPatternStatement(
      rendering,
      { id: randomUUID(), userId, isPublic: false, ...PATTERN },
      { premiumOnly: true },
    );
    return { statements: [sent as unknown as Statement], batch: false };
  };
}

/** The stack floor's create (its prepared `insert … returning`). */
function stackCreates(userId: string): Requests {
  return async () => ({
    statements: [
      {
        sql: 'insert into "patterns" ("id", "user_id", "name", "tempo", "tracks", "mixer", "is_public", "version", "change_seq", "created_at", "updated_at") values ($1, $2, $3, $4, $5, $6, false, 1, 0, now(), now()) returning "id", "user_id", "name", "tempo", "tracks", "mixer", "is_public", "version", "change_seq", "created_at", "updated_at"',
        params: [
          randomUUID(),
          userId,
          PATTERN.name,
          PATTERN.tempo,
          JSON.stringify(PATTERN.tracks),
          JSON.stringify(PATTERN.mixer),
        ],
      },
    ],
    batch: false,
  });
}

/** Rotations of the sessions in turn: Backline's statement as rotateRefreshToken sends it. */
function backlineRotations(sessions: { id: string; hash: string }[]): Requests {
  let sent: Statement | undefined;
  const capture = {
    execute: (query: SQL) => {
      sent = render(query);
      return { rows: [] };
    },
  } as unknown as Database;
  return async (i) => {
    const session = sessions[i % sessions.length] as { id: string; hash: string };
    const newHash = randomBytes(32).toString("base64url");
    await rotateRefreshToken(capture, {
      sessionId: session.id,
      presentedHash: session.hash,
      presentedWasIssued: true,
      newHash,
      ip: "10.0.0.1",
      userAgent: "pg-cost",
    });
    session.hash = newHash;
    return { statements: [sent as Statement], batch: false };
  };
}

/** The stack floor's rotation (its prepared `update … from users … returning`). */
function stackRotations(sessions: { id: string; hash: string }[]): Requests {
  return async (i) => {
    const session = sessions[i % sessions.length] as { id: string; hash: string };
    const newHash = randomBytes(32).toString("base64url");
    const statement = {
      sql: 'update "sessions" set "refresh_hash" = $1, "previous_refresh_hash" = "sessions"."refresh_hash", "rotated_at" = now(), "last_used_at" = now() from "users" where ("sessions"."id" = $2 and "sessions"."refresh_hash" = $3 and "sessions"."revoked_at" is null and "sessions"."expires_at" > now() and "users"."id" = "sessions"."user_id") returning "users"."id", "users"."role", "users"."tier"',
      params: [newHash, session.id, session.hash],
    };
    session.hash = newHash;
    return { statements: [statement], batch: false };
  };
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
  client.on("error", () => {}); // a failed run throws its own error; the cluster's stop ends the connection
  await client.connect();
  const pid = (await client.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]?.pid as number;
  console.log(`PostgreSQL CPU per request, ${BATCHES} requests per round (PostgreSQL ${binaries.version}):`);
  const cases: [string, Requests, Requests][] = [
    ["webhook batch", webhookRequests("backline", backlineBatch), webhookRequests("stack", stackBatch)],
    [
      "refresh",
      backlineRotations(await refreshSessions(client)),
      stackRotations(await refreshSessions(client)),
    ],
    ["premium create", backlineCreates(await premiumUser(client)), stackCreates(await premiumUser(client))],
  ];
  for (const [name, backline, stack] of cases) {
    for (let round = 1; round <= ROUNDS; round++) {
      const b = await measure(client, pid, backline);
      const f = await measure(client, pid, stack);
      console.log(
        `${name}, round ${round}: Backline ${b.cpu.toFixed(3)} ms (wall ${b.wall.toFixed(3)}), ` +
          `stack floor ${f.cpu.toFixed(3)} ms (wall ${f.wall.toFixed(3)})`,
      );
    }
  }
  await client.end();
} finally {
  await cluster.stop();
}
