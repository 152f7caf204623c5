/**
 * The whole local system in one call: the SDK build, the dev/ stand-ins, `wrangler dev` pointed
 * at them and the demo frontend's web server, with the worker's URL vars matching the ports.
 * Used by `npm run dev` (dev/run.ts) and, through it, by the browser tests.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { findFreePort } from "./free-port";
import { GITHUB_BASE_PATH, GOOGLE_BASE_PATH, LOCAL_OAUTH_CLIENTS } from "./oauth";
import { type Stack, type StackOptions, startStack } from "./stack";
import { startWebServer, type WebServer } from "./web-server";
import { wranglerConfigArgs } from "./wrangler-configs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export interface DevServerOptions {
  /** 0 = any free port. */
  apiPort: number;
  webPort: number;
  stackPort: number;
  postgres?: StackOptions["postgres"];
  redis?: StackOptions["redis"];
  /** Persist PGlite here; undefined = in memory. */
  pgliteDir?: string;
  /**
   * "dev-vars": the developer's .dev.vars (written with fresh local values when missing).
   * "ephemeral": fresh secrets in a temporary env file and wrangler state in a temporary
   * folder, so a run (the tests) touches nothing in the checkout.
   */
  secrets: "dev-vars" | "ephemeral";
  /** "inherit": wrangler's output on this terminal; "quiet": kept, shown only if it fails. */
  wranglerOutput: "inherit" | "quiet";
  /** When the SDK build fails: "warn" and serve the rest, or "fail". */
  sdkBuild: "warn" | "fail";
  quiet?: boolean;
}

export interface DevServer {
  /** The API as the page calls it: http://localhost:PORT (same site as the page). */
  apiUrl: string;
  /** The same API on the address wrangler listens on: http://127.0.0.1:PORT. */
  apiDirectUrl: string;
  /** The demo frontend: http://localhost:PORT. */
  webUrl: string;
  stack: Stack;
  /** Stops wrangler, the web server and the stack; idempotent. */
  stop(): Promise<void>;
  /** Resolves with wrangler's exit code if it stops on its own. */
  exited: Promise<number>;
}

function log(options: DevServerOptions, message: string): void {
  if (!options.quiet) console.error(`[dev] ${message}`);
}

/** Writes a .dev.vars with fresh local secrets unless the developer already has one. */
function ensureDevVars(options: DevServerOptions): void {
  const path = join(root, ".dev.vars");
  if (existsSync(path)) return;
  writeFileSync(path, `# Written by npm run dev with local-only values.\n${localSecrets()}`);
  log(options, "wrote .dev.vars with local secrets");
}

function localSecrets(): string {
  return readFileSync(join(root, ".dev.vars.example"), "utf8")
    .replace(/^JWT_SECRET=.*$/m, `JWT_SECRET=${randomBytes(32).toString("base64url")}`)
    .replace(/^MFA_ENCRYPTION_KEY=.*$/m, `MFA_ENCRYPTION_KEY=${randomBytes(32).toString("base64url")}`)
    .replace(/^UPSTASH_REDIS_REST_TOKEN=.*$/m, "UPSTASH_REDIS_REST_TOKEN=local-upstash-token")
    .replace(/^STRIPE_SECRET_KEY=.*$/m, "STRIPE_SECRET_KEY=sk_test_backline_local")
    .replace(/^STRIPE_WEBHOOK_SECRET=.*$/m, "STRIPE_WEBHOOK_SECRET=whsec_local_backline")
    .replace(
      /^# OAUTH_GOOGLE_CLIENT_SECRET=.*$/m,
      `OAUTH_GOOGLE_CLIENT_SECRET=${LOCAL_OAUTH_CLIENTS.google.secret}`,
    )
    .replace(
      /^# OAUTH_GITHUB_CLIENT_SECRET=.*$/m,
      `OAUTH_GITHUB_CLIENT_SECRET=${LOCAL_OAUTH_CLIENTS.github.secret}`,
    );
}

/**
 * Google and GitHub sign-in against the stack's stand-ins: their URLs, and the local client the
 * stand-ins know. Passed as vars, so a .dev.vars written before these existed works as well.
 */
export function oauthVars(stackUrl: string): Record<string, string> {
  return {
    OAUTH_GOOGLE_BASE_URL: `${stackUrl}${GOOGLE_BASE_PATH}`,
    OAUTH_GITHUB_BASE_URL: `${stackUrl}${GITHUB_BASE_PATH}`,
    OAUTH_GOOGLE_CLIENT_ID: LOCAL_OAUTH_CLIENTS.google.id,
    OAUTH_GOOGLE_CLIENT_SECRET: LOCAL_OAUTH_CLIENTS.google.secret,
    OAUTH_GITHUB_CLIENT_ID: LOCAL_OAUTH_CLIENTS.github.id,
    OAUTH_GITHUB_CLIENT_SECRET: LOCAL_OAUTH_CLIENTS.github.secret,
  };
}

function run(command: string, args: string[], quiet: boolean): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
      if (!quiet) process.stderr.write(chunk);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.once("error", (error) => resolve({ code: 1, output: String(error) }));
    child.once("exit", (code) => resolve({ code: code ?? 1, output }));
  });
}

/** Builds the SDK (client/dist/backline.js) with `npm run client:build`. */
async function buildSdk(options: DevServerOptions): Promise<void> {
  const scripts = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts?: object })
    .scripts;
  let problem: string | undefined;
  if (!scripts || !("client:build" in scripts)) {
    problem = "package.json has no client:build script";
  } else {
    const started = Date.now();
    const { code, output } = await run("npm", ["run", "--silent", "client:build"], true);
    if (code !== 0) problem = `npm run client:build failed (exit ${code})\n${output.trim()}`;
    else log(options, `built the SDK in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  if (!problem) return;
  if (options.sdkBuild === "fail") throw new Error(problem);
  const stale = existsSync(join(root, "client/dist/backline.js")) ? "serving the previous build" : "no SDK";
  const [first, ...details] = problem.split("\n");
  log(options, `WARNING: ${first}; ${stale} at /sdk/backline.js\n${details.slice(-5).join("\n")}`);
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode}`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s`);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!child.pid || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** The worker vars that name the frontend, for a frontend at `webUrl`. */
export function frontendVars(webUrl: string): Record<string, string> {
  const loopbackTwin = webUrl.replace("//localhost:", "//127.0.0.1:");
  return {
    ALLOWED_ORIGINS: `${webUrl},${loopbackTwin}`,
    APP_URL: webUrl,
    SHARE_BASE_URL: `${webUrl}/share`,
    // Billing happens against the real API, so the way back opens the app in http mode.
    CHECKOUT_SUCCESS_URL: `${webUrl}/?backend=real&checkout=success&session_id={CHECKOUT_SESSION_ID}`,
    CHECKOUT_CANCEL_URL: `${webUrl}/?backend=real&checkout=cancel`,
    BILLING_PORTAL_RETURN_URL: `${webUrl}/?backend=real&portal=return`,
  };
}

/** Starts the SDK build, the stand-ins, wrangler dev and the web server. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) await step();
  };
  try {
    if (options.secrets === "dev-vars") ensureDevVars(options);
    await buildSdk(options);
    const apiPort = options.apiPort || (await findFreePort());
    const apiUrl = `http://localhost:${apiPort}`;
    const apiDirectUrl = `http://127.0.0.1:${apiPort}`;

    if (options.pgliteDir) mkdirSync(options.pgliteDir, { recursive: true });
    const stack = await startStack({
      port: options.stackPort,
      pgliteDir: options.pgliteDir,
      postgres: options.postgres,
      redis: options.redis,
      webhookUrl: `${apiDirectUrl}/api/webhooks/stripe`,
      quiet: options.quiet,
    });
    cleanups.push(() => stack.stop());

    const web: WebServer = await startWebServer({
      port: options.webPort,
      apiUrl,
      webDir: join(root, "web"),
      sdkDir: join(root, "client/dist"),
    });
    cleanups.push(() => web.stop());

    const vars = {
      NEON_HTTP_ENDPOINT: stack.neonEndpoint,
      DATABASE_URL: stack.databaseUrl,
      UPSTASH_REDIS_REST_URL: stack.upstashUrl,
      UPSTASH_REDIS_REST_TOKEN: stack.upstashToken,
      STRIPE_API_BASE: stack.stripeApiBase,
      STRIPE_WEBHOOK_SECRET: stack.stripeWebhookSecret,
      MAIL_TRANSPORT: "mailbox",
      MAIL_URL: stack.mailboxUrl,
      ...oauthVars(stack.url),
      ...frontendVars(web.url),
    };
    const extra: string[] = [];
    if (options.secrets === "ephemeral") {
      const dir = mkdtempSync(join(tmpdir(), "backline-dev-"));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      writeFileSync(join(dir, "env"), localSecrets());
      extra.push("--env-file", join(dir, "env"), "--persist-to", join(dir, "state"));
      extra.push("--inspector-port", String(await findFreePort()), "--log-level", "warn");
      // Tests run the cron on demand (GET /__scheduled), e.g. to roll up events for the dashboard.
      extra.push("--test-scheduled");
      // Cheap password hashes, as in the workers project (README "Tests"): every test signs up.
      extra.push("--var", "PASSWORD_HASH_COST:4");
    }
    const wrangler = spawn(
      "wrangler",
      [
        "dev",
        ...wranglerConfigArgs(),
        "--env",
        "dev",
        "--ip",
        "127.0.0.1",
        "--port",
        String(apiPort),
        "--show-interactive-dev-session=false",
        ...extra,
        ...Object.entries(vars).flatMap(([key, value]) => ["--var", `${key}:${value}`]),
      ],
      {
        cwd: root,
        stdio: options.wranglerOutput === "inherit" ? "inherit" : ["ignore", "pipe", "pipe"],
        detached: true, // its own process group, so workerd goes down with it
        env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
      },
    );
    let output = "";
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
    };
    wrangler.stdout?.on("data", keep);
    wrangler.stderr?.on("data", keep);
    const exited = new Promise<number>((resolve) => wrangler.once("exit", (code) => resolve(code ?? 1)));
    cleanups.push(async () => {
      if (wrangler.exitCode !== null || wrangler.signalCode !== null) return;
      killGroup(wrangler, "SIGTERM");
      const timer = setTimeout(() => killGroup(wrangler, "SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
      killGroup(wrangler, "SIGKILL"); // workerd may outlive wrangler for a moment
    });

    try {
      await waitForHealth(`${apiDirectUrl}/api/health`, wrangler, 60_000);
    } catch (error) {
      if (output) console.error(output);
      throw error;
    }

    let stopped: Promise<void> | undefined;
    return {
      apiUrl,
      apiDirectUrl,
      webUrl: web.url,
      stack,
      exited,
      stop: () => {
        stopped ??= cleanup();
        return stopped;
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
