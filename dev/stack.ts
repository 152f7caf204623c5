import { fstatSync } from "node:fs";
import type { Server } from "node:http";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createAdaptorServer } from "@hono/node-server";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Plan } from "../shared/billing/plans";
import { Counters, countRequests, statsApp } from "./counters";
import { errorMessage } from "./http-util";
import { Mailbox, mailboxApp } from "./mail/mailbox";
import { type PostgresBackend, type PostgresChoice, startPostgresBackend } from "./neon/backend";
import { neonApp } from "./neon/endpoint";
import { oauthApp } from "./oauth";
import { type RedisBackend, type RedisChoice, startRedisBackend } from "./redis/backend";
import { upstashApp } from "./redis/endpoint";
import { StripeEmulator } from "./stripe/emulator";

/** Largest request body any stand-in accepts (bytes). */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** How to start the local stack. */
export interface StackOptions {
  /** 0 / undefined = random free port on 127.0.0.1. */
  port?: number;
  /** Default: env BACKLINE_POSTGRES ?? "auto". */
  postgres?: PostgresChoice;
  /** Persist PGlite here (dev); undefined = in-memory (tests). */
  pgliteDir?: string;
  /** Default: env BACKLINE_REDIS ?? "auto". */
  redis?: RedisChoice;
  /** Default "local-upstash-token". */
  upstashToken?: string;
  /** Default "whsec_local_backline". */
  stripeWebhookSecret?: string;
  /** Where the Stripe emulator delivers events (can be set later with setWebhookUrl). */
  webhookUrl?: string;
  /** Plans the Stripe emulator seeds as products and prices; default: BILLING_PLANS of wrangler.toml. */
  stripePlans?: Plan[];
  quiet?: boolean;
}

/** A running stack: one HTTP server on 127.0.0.1 for Neon, Upstash, Stripe, mail and the OAuth providers. */
export interface Stack {
  /** http://127.0.0.1:PORT */
  url: string;
  /** `${url}/sql`, the value for neonConfig.fetchEndpoint. */
  neonEndpoint: string;
  /** Connection string for neon(); only its database name matters locally. */
  databaseUrl: string;
  /** `${url}/redis` */
  upstashUrl: string;
  upstashToken: string;
  /** = url (the Stripe SDK takes host/port/protocol and calls /v1/…). */
  stripeApiBase: string;
  stripeWebhookSecret: string;
  /** `${url}/mailbox` */
  mailboxUrl: string;
  postgres: { kind: "pglite" | "postgres"; version: string };
  redis: { kind: "redis-server" | "embedded"; version: string };
  setWebhookUrl(url: string): void;
  /** Stops every child process and closes PGlite; idempotent. */
  stop(): Promise<void>;
}

const POSTGRES_CHOICES = ["auto", "pglite", "postgres"] as const;
const REDIS_CHOICES = ["auto", "redis-server", "embedded"] as const;

function choice<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined || value === "") return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`${name} must be one of ${allowed.join(", ")} (got "${value}")`);
}

async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolveListen();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("server has no TCP address");
  return address.port;
}

/** Starts Postgres + Neon endpoint, Redis + Upstash endpoint, the Stripe emulator and the mailbox. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const log = options.quiet ? () => {} : (line: string) => process.stderr.write(`[backline-stack] ${line}\n`);
  const postgresChoice =
    options.postgres ?? choice("BACKLINE_POSTGRES", process.env.BACKLINE_POSTGRES, POSTGRES_CHOICES, "auto");
  const redisChoice =
    options.redis ?? choice("BACKLINE_REDIS", process.env.BACKLINE_REDIS, REDIS_CHOICES, "auto");
  const upstashToken = options.upstashToken ?? "local-upstash-token";
  const stripeWebhookSecret = options.stripeWebhookSecret ?? "whsec_local_backline";

  const [postgresResult, redisResult] = await Promise.allSettled([
    startPostgresBackend({ choice: postgresChoice, pgliteDir: options.pgliteDir, log }),
    startRedisBackend({ choice: redisChoice, log }),
  ]);
  if (postgresResult.status === "rejected" || redisResult.status === "rejected") {
    if (postgresResult.status === "fulfilled") await postgresResult.value.close();
    if (redisResult.status === "fulfilled") await redisResult.value.close();
    throw postgresResult.status === "rejected"
      ? postgresResult.reason
      : (redisResult as PromiseRejectedResult).reason;
  }
  const postgres: PostgresBackend = postgresResult.value;
  const redis: RedisBackend = redisResult.value;

  const counters = new Counters();
  const stripePlans = options.stripePlans ?? (await import("./plans")).plansFromWranglerToml();
  const stripe = new StripeEmulator(stripeWebhookSecret, options.webhookUrl, { plans: stripePlans });
  const app = new Hono();
  app.use(countRequests(counters));
  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => c.json({ error: `request body exceeds ${MAX_BODY_BYTES} bytes` }, 413),
    }),
  );
  app.get("/_health", (c) => c.json({ ok: true }));
  app.route("/", statsApp(counters));
  app.route("/", neonApp(postgres));
  app.route("/", upstashApp(redis, { token: upstashToken }));
  app.route("/", stripe.app);
  app.route("/", mailboxApp(new Mailbox()));
  app.route("/", oauthApp());
  app.notFound((c) => c.json({ error: `no stand-in serves ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => c.json({ error: errorMessage(error) }, 500));

  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  server.keepAliveTimeout = 5_000;

  let port: number;
  try {
    port = await listen(server, options.port ?? 0);
  } catch (error) {
    await Promise.allSettled([postgres.close(), redis.close()]);
    throw error;
  }
  const url = `http://127.0.0.1:${port}`;
  stripe.publicUrl = url;
  log(
    `listening on ${url}, pid ${process.pid} (postgres: ${postgres.kind} ${postgres.version}; redis: ${redis.kind} ${redis.version})`,
  );

  let stopped: Promise<void> | undefined;
  return {
    url,
    neonEndpoint: `${url}/sql`,
    databaseUrl: "postgres://backline:backline@db.localtest:5432/backline",
    upstashUrl: `${url}/redis`,
    upstashToken,
    stripeApiBase: url,
    stripeWebhookSecret,
    mailboxUrl: `${url}/mailbox`,
    postgres: { kind: postgres.kind, version: postgres.version },
    redis: { kind: redis.kind, version: redis.version },
    setWebhookUrl(webhookUrl: string) {
      stripe.webhookUrl = webhookUrl;
    },
    stop() {
      stopped ??= (async () => {
        const closed = new Promise<void>((resolveClose) => server.close(() => resolveClose()));
        server.closeAllConnections();
        await closed;
        await Promise.allSettled([postgres.close(), redis.close()]);
        log("stopped");
      })();
      return stopped;
    },
  };
}

/** The JSON printed after BACKLINE_STACK_READY: every Stack field except the functions. */
export function readyPayload(stack: Stack): Omit<Stack, "setWebhookUrl" | "stop"> {
  const { setWebhookUrl: _set, stop: _stop, ...fields } = stack;
  return fields;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      "pglite-dir": { type: "string" },
      postgres: { type: "string" },
      redis: { type: "string" },
      "webhook-url": { type: "string" },
      quiet: { type: "boolean" },
    },
  });
  const stack = await startStack({
    port: values.port === undefined ? undefined : Number(values.port),
    pgliteDir: values["pglite-dir"] === undefined ? undefined : resolve(values["pglite-dir"]),
    postgres:
      values.postgres === undefined
        ? undefined
        : choice("--postgres", values.postgres, POSTGRES_CHOICES, "auto"),
    redis: values.redis === undefined ? undefined : choice("--redis", values.redis, REDIS_CHOICES, "auto"),
    webhookUrl: values["webhook-url"],
    quiet: values.quiet,
  });
  let exiting = false;
  const shutdown = (reason: string) => {
    if (exiting) return;
    exiting = true;
    process.stderr.write(`[backline-stack] ${reason}: stopping\n`);
    stack.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`[backline-stack] stop failed: ${errorMessage(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGHUP", () => shutdown("SIGHUP"));
  // A parent that talks to us through a pipe (test runners, `npm run dev`) closing it means it is gone.
  const stdin = fstatSync(0);
  if (stdin.isFIFO() || stdin.isSocket()) {
    process.stdin.on("end", () => shutdown("stdin closed"));
    process.stdin.on("error", () => shutdown("stdin error"));
    process.stdin.resume();
  }
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) shutdown("parent process exited");
  }, 1000).unref();
  process.stdout.write(`BACKLINE_STACK_READY ${JSON.stringify(readyPayload(stack))}\n`);
}

const invokedPath = process.argv[1] ? resolve(process.argv[1]) : "";
if (invokedPath === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `[backline-stack] failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  });
}
