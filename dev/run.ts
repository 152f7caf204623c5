/**
 * `npm run dev`: the whole stack on one laptop. Starts the local stand-ins (Neon HTTP,
 * Upstash REST, Stripe emulator, mailbox), then `wrangler dev` pointed at them, waits
 * until the API answers, prints the URLs, and on Ctrl-C stops every child it started.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startStack } from "./stack";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const API_PORT = Number(process.env.PORT ?? 8787);
const STACK_PORT = Number(process.env.STACK_PORT ?? 8790);

/** Resolves the port if it is free, else 0 (any free port). */
function freeOr0(port: number): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(0));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(port)));
  });
}

/** Writes a .dev.vars with fresh local secrets unless the developer already has one. */
function ensureDevVars(): void {
  const path = join(root, ".dev.vars");
  if (existsSync(path)) return;
  const example = readFileSync(join(root, ".dev.vars.example"), "utf8");
  const local = example
    .replace(/^JWT_SECRET=.*$/m, `JWT_SECRET=${randomBytes(32).toString("base64url")}`)
    .replace(/^UPSTASH_REDIS_REST_TOKEN=.*$/m, "UPSTASH_REDIS_REST_TOKEN=local-upstash-token")
    .replace(/^STRIPE_SECRET_KEY=.*$/m, "STRIPE_SECRET_KEY=sk_test_backline_local")
    .replace(/^STRIPE_WEBHOOK_SECRET=.*$/m, "STRIPE_WEBHOOK_SECRET=whsec_local_backline");
  writeFileSync(path, `# Written by npm run dev with local-only values.\n${local}`);
  console.error("[dev] wrote .dev.vars with local secrets");
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s`);
}

async function main(): Promise<void> {
  ensureDevVars();
  const apiPort = await freeOr0(API_PORT);
  if (apiPort === 0) throw new Error(`port ${API_PORT} is taken; set PORT to another one`);
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  if (!process.env.DATABASE_URL) mkdirSync(join(root, ".data"), { recursive: true });
  const stack = await startStack({
    port: await freeOr0(STACK_PORT),
    pgliteDir: process.env.DATABASE_URL ? undefined : join(root, ".data/pglite"),
    postgres: process.env.DATABASE_URL
      ? "postgres"
      : ((process.env.BACKLINE_POSTGRES as "pglite" | undefined) ?? "pglite"),
    webhookUrl: `${apiUrl}/api/webhooks/stripe`,
  });

  const vars = {
    NEON_HTTP_ENDPOINT: stack.neonEndpoint,
    DATABASE_URL: stack.databaseUrl,
    UPSTASH_REDIS_REST_URL: stack.upstashUrl,
    UPSTASH_REDIS_REST_TOKEN: stack.upstashToken,
    STRIPE_API_BASE: stack.stripeApiBase,
    STRIPE_WEBHOOK_SECRET: stack.stripeWebhookSecret,
    MAIL_TRANSPORT: "mailbox",
    MAIL_URL: stack.mailboxUrl,
  };
  const wrangler = spawn(
    "wrangler",
    [
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(apiPort),
      "--show-interactive-dev-session=false",
      ...Object.entries(vars).flatMap(([key, value]) => ["--var", `${key}:${value}`]),
    ],
    {
      cwd: root,
      stdio: "inherit",
      detached: true, // its own process group, so workerd goes down with it
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
    },
  );

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (wrangler.pid && wrangler.exitCode === null) {
      try {
        process.kill(-wrangler.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    await stack.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  wrangler.once("exit", (code) => void stop(code ?? 1));

  try {
    await waitForHealth(`${apiUrl}/api/health`, wrangler, 60_000);
  } catch (error) {
    console.error(`[dev] ${error instanceof Error ? error.message : String(error)}`);
    await stop(1);
  }
  console.error(
    [
      "",
      "Backline is running:",
      `  API            ${apiUrl}/api`,
      `  API reference  ${apiUrl}/docs   (OpenAPI: ${apiUrl}/openapi.json)`,
      `  Mailbox        ${stack.mailboxUrl}`,
      `  Stand-ins      ${stack.url}  (Postgres: ${stack.postgres.kind}, Redis: ${stack.redis.kind})`,
      "Press Ctrl-C to stop everything.",
      "",
    ].join("\n"),
  );
}

main().catch((error: unknown) => {
  console.error(`[dev] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
