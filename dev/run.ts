/**
 * `npm run dev`: the whole stack on one laptop. Builds the SDK, starts the local stand-ins
 * (Neon HTTP, Upstash REST, Stripe emulator, mailbox), `wrangler dev` pointed at them and the
 * demo frontend, waits until the API answers, prints the URLs, and on Ctrl-C stops every child.
 *
 * `--ephemeral` (the browser tests): random ports, an in-memory database, temporary secrets,
 * quiet output, and one `BACKLINE_DEV_READY {json}` line on stdout when ready; it stops when
 * stdin (a pipe) closes or the parent exits.
 */
import { fstatSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type DevServer, startDevServer } from "./dev-server";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** What `--ephemeral` prints after BACKLINE_DEV_READY. */
export interface DevReady {
  apiUrl: string;
  apiDirectUrl: string;
  webUrl: string;
  stackUrl: string;
  mailboxUrl: string;
  /** The worker's DATABASE_URL and the Neon HTTP stand-in it goes through (for db/ scripts such as admin-grant). */
  databaseUrl: string;
  neonEndpoint: string;
  postgres: string;
  redis: string;
}

/** Resolves the port if it is free, else 0 (any free port). */
function freeOr0(port: number): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(0));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(port)));
  });
}

function stopWhenParentGoes(stop: () => void): void {
  const stdin = fstatSync(0);
  if (stdin.isFIFO() || stdin.isSocket()) {
    process.stdin.on("end", stop);
    process.stdin.on("error", stop);
    process.stdin.resume();
  }
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop();
  }, 1000).unref();
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { ephemeral: { type: "boolean", default: false } } });
  const ephemeral = values.ephemeral;
  let dev: DevServer;
  if (ephemeral) {
    dev = await startDevServer({
      apiPort: 0,
      webPort: 0,
      stackPort: 0,
      secrets: "ephemeral",
      wranglerOutput: "quiet",
      sdkBuild: "fail",
      quiet: true,
    });
  } else {
    const apiPort = await freeOr0(Number(process.env.PORT ?? 8787));
    if (apiPort === 0) throw new Error(`port ${process.env.PORT ?? 8787} is taken; set PORT to another one`);
    const webPort = Number(process.env.WEB_PORT ?? 8788);
    const freeWebPort = await freeOr0(webPort);
    if (freeWebPort === 0) console.error(`[dev] port ${webPort} is taken; the web app gets another one`);
    dev = await startDevServer({
      apiPort,
      webPort: freeWebPort,
      stackPort: await freeOr0(Number(process.env.STACK_PORT ?? 8790)),
      pgliteDir: process.env.DATABASE_URL ? undefined : join(root, ".data/pglite"),
      postgres: process.env.DATABASE_URL
        ? "postgres"
        : ((process.env.BACKLINE_POSTGRES as "pglite" | undefined) ?? "pglite"),
      secrets: "dev-vars",
      wranglerOutput: "inherit",
      sdkBuild: "warn",
    });
  }

  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    void dev.stop().finally(() => process.exit(code));
  };
  process.on("SIGINT", () => stop(0));
  process.on("SIGTERM", () => stop(0));
  process.on("SIGHUP", () => stop(0));
  void dev.exited.then((code) => {
    if (stopping) return;
    console.error(`[dev] wrangler dev exited with code ${code}`);
    stop(code || 1);
  });

  const { stack } = dev;
  if (ephemeral) {
    stopWhenParentGoes(() => stop(0));
    const ready: DevReady = {
      apiUrl: dev.apiUrl,
      apiDirectUrl: dev.apiDirectUrl,
      webUrl: dev.webUrl,
      stackUrl: stack.url,
      mailboxUrl: stack.mailboxUrl,
      databaseUrl: stack.databaseUrl,
      neonEndpoint: stack.neonEndpoint,
      postgres: `${stack.postgres.kind} ${stack.postgres.version}`,
      redis: `${stack.redis.kind} ${stack.redis.version}`,
    };
    process.stdout.write(`BACKLINE_DEV_READY ${JSON.stringify(ready)}\n`);
    return;
  }
  console.error(
    [
      "",
      "Backline is running:",
      `  Web app        ${dev.webUrl}   (real API: ${dev.webUrl}/?backend=real)`,
      `  API            ${dev.apiUrl}/api`,
      `  API reference  ${dev.apiUrl}/docs   (OpenAPI: ${dev.apiUrl}/openapi.json)`,
      `  Mailbox        ${stack.mailboxUrl}`,
      `  Sign-in        ${stack.url}/oauth/google/o/oauth2/v2/auth · ${stack.url}/oauth/github/login/oauth/authorize`,
      '                 (the Google and GitHub stand-ins\' consent pages, opened by "Continue with …": pick a test user)',
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
