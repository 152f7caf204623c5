/**
 * `npm run bench`: what a Backline request costs, against the floor, in one bounded run.
 * Starts the dev/ stand-ins in-process, Backline (the API worker and its assets worker), the floor
 * worker and the stack floor (the fixed stack doing the least it allows,
 * bench/stack-floor) under `wrangler dev`,
 * creates fixtures through the API, measures round trips, latency and throughput per endpoint,
 * bundle size, startup and CPU per request, and writes bench/results/latest.{json,md,svg}.
 */
import { spawn } from "node:child_process";
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { unstable_readConfig } from "wrangler";
import { byOwner } from "../dev/bundle/measure";
import { type Stack, startStack } from "../dev/stack";
import { WRANGLER_CONFIGS } from "../dev/wrangler-configs";
import type { CpuCase, CpuInput, CpuOutput } from "./cpu";
import { type LoadResult, type LoadSpec, runLoad } from "./load";
import { summarizeProfile } from "./profile";
import { forgetRateLimits } from "./rate-limits";
import {
  type BenchResults,
  type Budget,
  type EndpointResult,
  type LoadRatios,
  renderChart,
  renderMarkdown,
  type Service,
} from "./report";
import { subscriptionUpdated } from "./stripe-event";
import { profileWorkerd } from "./workerd-profile";
import { killAllWranglersNow, startWrangler, stopAllWranglers, type WranglerOptions } from "./wrangler";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const resultsDir = join(root, "bench/results");
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const CONNECTIONS = [1, 32];
const USERS = 32;
const PASSWORD = "bench-Password-9f2c1e";
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/**
 * `npm run bench -- --only=cpu,startup,bundle` measures only those parts (the round-trip probes
 * always run: they give the CPU floors) and writes bench/results/<label>.json instead of latest.*,
 * for quick before/after comparisons; `--label=<name>` names that file (default `partial`).
 * `--profile=<dir>` also writes one V8 CPU profile per CPU case there (a separate, slower pass).
 * `--replay` times the CPU cases on recorded upstream answers (bench/cpu.ts `replay`): only
 * Backline's own CPU, steadier on a busy machine than subtracting the floor.
 * `--endpoints=<name>,…` limits the load runs and profiles to those endpoints.
 * `--profile-workerd=<dir>` profiles the worker inside workerd instead (an unminified
 * `wrangler dev`, 8 connections, 1,500 requests per endpoint): `<dir>/<endpoint>.cpuprofile`
 * and `<dir>/top.txt`, then the same for the stack floor's mirrored routes (`stack-floor-<endpoint>`).
 * Use it with `--only=workerd` to skip everything else.
 */
const args = new Map(
  process.argv.slice(2).map((arg) => {
    const [key, value = ""] = arg.replace(/^--/, "").split("=");
    return [key as string, value];
  }),
);
const only = args.has("only") ? new Set(args.get("only")?.split(",")) : undefined;
const wants = (part: "load" | "bundle" | "startup" | "cpu" | "workerd") =>
  part === "workerd" ? args.has("profile-workerd") : !only || only.has(part);

interface Fixture {
  email: string;
  accessToken: string;
  refreshToken: string;
}

interface EndpointSpec {
  name: string;
  method: "GET" | "POST";
  path: string;
  budget: Budget;
  /** A probe request body (round trips); load runs may rewrite it per request. */
  body?: () => string;
  headers: () => Record<string, string>;
  load: (connections: number) => Partial<LoadSpec>;
  connections?: number[];
  durationSec?: number;
  notes?: string[];
  /** The stack floor's route mirroring this endpoint (bench/stack-floor), sent the same requests. */
  stackPath?: string;
  /**
   * The stack floor's own probe body and load, where its requests cannot be Backline's: a
   * refresh token rotated by one worker would send the other's next use down the grace path.
   * (A load's setupRequest writes every request's body, so a load run's first body is unused.)
   */
  stackProbeBody?: () => string;
  stackLoad?: (connections: number) => Partial<LoadSpec>;
}

/** A load of a target's requests for an endpoint: the stack floor's own where the spec gives one. */
const loadFor = (spec: EndpointSpec, onStack: boolean) =>
  onStack && spec.stackLoad ? spec.stackLoad : spec.load;

let counter = 0;
/** A distinct client IP per call, so per-IP auth limits never trip during load (local only: the worker trusts CF-Connecting-IP). */
const nextIp = () => {
  counter++;
  return `10.${(counter >> 16) & 255}.${(counter >> 8) & 255}.${counter & 255}`;
};

async function api(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function sql(stack: Stack, query: string): Promise<void> {
  const res = await fetch(stack.neonEndpoint, {
    method: "POST",
    headers: { "Neon-Connection-String": stack.databaseUrl, "content-type": "application/json" },
    body: JSON.stringify({ query, params: [] }),
  });
  if (!res.ok) throw new Error(`sql ${query}: ${res.status} ${await res.text()}`);
}

/** Forgets every rate-limit window, so one run's traffic does not throttle the next. */
const resetRateLimits = (stack: Stack) => forgetRateLimits(stack.upstashUrl, stack.upstashToken);

const patternBody = (n: number) =>
  JSON.stringify({
    name: `Bench groove ${n}`,
    tempo: 120,
    tracks: [
      { instrument: "kick", steps: [true, false, false, false, true, false, false, false], volume: 0.9 },
      { instrument: "hat", steps: [false, true, false, true, false, true, false, true], volume: 0.5 },
    ],
    mixer: { masterVolume: 0.8 },
  });

/**
 * The subscriptions whose updates the webhook bench delivers, a new event id each time, taken in
 * turn: Stripe's traffic spreads over many subscriptions, and one row updated by every delivery
 * would make 32 connections queue on its lock.
 */
const benchTag = randomBytes(6).toString("hex");
const BENCH_SUBSCRIPTIONS = 64;
let deliveries = 0;
const nextSubscription = () => `sub_bench${benchTag}_${deliveries++ % BENCH_SUBSCRIPTIONS}`;

/** A signed Stripe event as Stripe sends it: `t=<ts>,v1=HMAC-SHA256(secret, "<ts>.<payload>")`. */
function makeSignedEvent(secret: string): { payload: string; signature: string } {
  const now = Math.floor(Date.now() / 1000);
  const payload = JSON.stringify(
    subscriptionUpdated(`evt_bench${randomBytes(10).toString("hex")}`, nextSubscription(), now),
  );
  const v1 = createHmac("sha256", secret).update(`${now}.${payload}`).digest("hex");
  return { payload, signature: `t=${now},v1=${v1}` };
}

async function createFixtures(base: string, stack: Stack): Promise<Fixture[]> {
  const users: Fixture[] = [];
  const tag = randomBytes(4).toString("hex");
  for (let i = 0; i < USERS; i++) {
    const email = `bench-${tag}-${i}@example.com`;
    const res = await api(
      base,
      "POST",
      "/api/auth/signup",
      { "CF-Connecting-IP": nextIp() },
      { email, password: PASSWORD, displayName: `Bench ${i}`, returnRefreshToken: true },
    );
    if (res.status !== 201 && res.status !== 200)
      throw new Error(`signup: ${res.status} ${JSON.stringify(res.json)}`);
    users.push({
      email,
      accessToken: String(res.json.accessToken),
      refreshToken: String(res.json.refreshToken),
    });
  }
  // Premium, so creating thousands of patterns under load never meets the free quota; then a
  // refresh each, so their access tokens say premium as a premium account's do (a create takes
  // the premium path: db/queries/patterns.ts createPattern).
  await sql(stack, `update users set tier = 'premium' where email like 'bench-${tag}-%'`);
  for (const user of users) {
    const res = await api(
      base,
      "POST",
      "/api/auth/refresh",
      { "CF-Connecting-IP": nextIp() },
      { refreshToken: user.refreshToken, returnRefreshToken: true },
    );
    if (res.status !== 200) throw new Error(`refresh: ${res.status} ${JSON.stringify(res.json)}`);
    user.accessToken = String(res.json.accessToken);
    user.refreshToken = String(res.json.refreshToken);
  }
  for (const user of users.slice(0, 4)) {
    for (let n = 0; n < 3; n++) {
      const res = await fetch(`${base}/api/patterns`, {
        method: "POST",
        headers: { Authorization: `Bearer ${user.accessToken}`, "content-type": "application/json" },
        body: patternBody(n),
      });
      await res.arrayBuffer();
      if (res.status >= 300) throw new Error(`create pattern: ${res.status}`);
    }
  }
  return users;
}

/** Sends one request with a fresh request id and reads the stand-ins' counters for it. */
async function roundTrips(base: string, stack: Stack, spec: EndpointSpec) {
  const id = `bench-${randomUUID()}`;
  const res = await fetch(`${base}${spec.path}`, {
    method: spec.method,
    headers: {
      ...spec.headers(),
      "X-Request-Id": id,
      ...(spec.body && { "content-type": "application/json" }),
    },
    body: spec.body?.(),
  });
  await res.arrayBuffer();
  await new Promise((resolve) => setTimeout(resolve, 100)); // waitUntil work
  const stats = (await (await fetch(`${stack.url}/_stats/${id}`)).json()) as Partial<Record<Service, number>>;
  return {
    status: res.status,
    counts: {
      neon: stats.neon ?? 0,
      upstash: stats.upstash ?? 0,
      stripe: stats.stripe ?? 0,
      mail: stats.mail ?? 0,
    },
  };
}

/**
 * The round trips one request to a reference worker makes, from the stand-ins' totals before and
 * after it (those workers carry no trace key); run while nothing else calls the stand-ins.
 */
async function untracedRoundTrips(url: string, stack: Stack, spec: EndpointSpec, body?: () => string) {
  const totals = async () =>
    (await (await fetch(`${stack.url}/_stats`)).json()) as { total: Record<Service, number> };
  const before = await totals();
  // headers() before body(), as everywhere: the webhook's headers() signs the event body() sends.
  const headers = { ...spec.headers(), ...(body && { "content-type": "application/json" }) };
  const res = await fetch(url, { method: spec.method, headers, body: body?.() });
  await res.arrayBuffer();
  await new Promise((resolve) => setTimeout(resolve, 100));
  const after = await totals();
  const delta = (service: Service) => after.total[service] - before.total[service];
  return {
    status: res.status,
    counts: { neon: delta("neon"), upstash: delta("upstash"), stripe: delta("stripe"), mail: delta("mail") },
  };
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : Number.NaN);

/** Latency and throughput of one run over another's (latency: lower is better; throughput: higher). */
function ratios(a: LoadResult, b: LoadResult): LoadRatios {
  return { p50: ratio(a.p50, b.p50), p99: ratio(a.p99, b.p99), throughput: ratio(a.reqPerSec, b.reqPerSec) };
}

/** The packages and source folders that weigh most in the bundle (minified bytes, esbuild metafile). */
function largestParts(metafile: string): [string, number][] {
  const meta = JSON.parse(readFileSync(metafile, "utf8")) as {
    outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
  };
  const inputs: Record<string, number> = {};
  for (const output of Object.values(meta.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) inputs[path] = bytesInOutput;
  }
  return byOwner(inputs).slice(0, 10);
}

async function measureBundle(): Promise<BenchResults["bundle"]> {
  const outdir = mkdtempSync(join(tmpdir(), "backline-bundle-"));
  // Beside the output, not in it: every file in outdir counts as uploaded.
  const metafile = `${outdir}.meta.json`;
  try {
    await runCommand(
      "wrangler",
      ["deploy", "--dry-run", "--outdir", outdir, "--metafile", metafile],
      120_000,
    );
    const parts = largestParts(metafile);
    let rawBytes = 0;
    let gzipBytes = 0;
    let files = 0;
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (!name.endsWith(".map") && name !== "README.md") {
          const data = readFileSync(path);
          rawBytes += data.length;
          gzipBytes += gzipSync(data, { level: 9 }).length;
          files++;
        }
      }
    };
    walk(outdir);
    return { rawBytes, gzipBytes, files, parts };
  } catch (error) {
    return { rawBytes: 0, gzipBytes: 0, files: 0, error: String(error).slice(0, 300) };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
    rmSync(metafile, { force: true });
  }
}

function runCommand(
  cmd: string,
  args: string[],
  timeoutMs: number,
  env?: NodeJS.ProcessEnv,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: root,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: env ?? process.env,
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      err = (err + c.toString()).slice(-3000);
    });
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid as number), "SIGKILL");
      } catch {}
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(" ")} exited ${code}: ${err}`));
    });
  });
}

/** Backline under `wrangler dev`: the API worker and its assets worker (dev/wrangler-configs.ts). */
function wranglerOptions(vars: Record<string, string>, envFile: string): WranglerOptions {
  return { cwd: root, configs: WRANGLER_CONFIGS, env: "dev", vars, envFile, readyPath: "/api/health" };
}

async function measureStartup(
  vars: Record<string, string>,
  envFile: string,
): Promise<NonNullable<BenchResults["startup"]>> {
  const firstMs: number[] = [];
  const warmMs: number[] = [];
  const bootMs: number[] = [];
  const timed = async (url: string) => {
    const t = performance.now();
    const res = await fetch(url);
    await res.arrayBuffer();
    return performance.now() - t;
  };
  for (let i = 0; i < 3; i++) {
    // The first answered readiness probe is the first request this workerd served: the cold sample.
    const dev = await startWrangler(wranglerOptions(vars, envFile));
    try {
      firstMs.push(dev.firstMs);
      const warm: number[] = [];
      for (let k = 0; k < 5; k++) warm.push(await timed(`${dev.url}/api/health`));
      warmMs.push(median(warm));
      bootMs.push(dev.bootMs);
    } finally {
      await dev.stop();
    }
  }
  const samplesMs = firstMs.map((f, i) => Math.round((f - (warmMs[i] ?? 0)) * 10) / 10);
  return { samplesMs, medianMs: median(samplesMs), firstMs, warmMs, bootMs };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function measureCpu(input: CpuInput): Promise<CpuOutput> {
  const dir = mkdtempSync(join(tmpdir(), "backline-bench-cpu-"));
  const inputFile = join(dir, "input.json");
  writeFileSync(inputFile, JSON.stringify(input));
  try {
    const out = await runCommand("tsx", ["bench/cpu.ts"], 90_000, {
      ...process.env,
      BENCH_CPU_INPUT: inputFile,
    });
    const line = out.split("\n").find((l) => l.startsWith("BENCH_CPU_RESULT "));
    if (!line) return { ok: false, error: "bench/cpu.ts printed no result", rows: [] };
    return JSON.parse(line.slice("BENCH_CPU_RESULT ".length)) as CpuOutput;
  } catch (error) {
    return { ok: false, error: String(error).slice(0, 400), rows: [] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  mkdirSync(resultsDir, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), "backline-bench-"));
  let stack: Stack | undefined;
  const cleanup = async () => {
    await stopAllWranglers();
    await stack?.stop();
    rmSync(scratch, { recursive: true, force: true });
  };
  const onSignal = () => {
    killAllWranglersNow();
    void (stack?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  process.once("exit", killAllWranglersNow);
  process.once("uncaughtException", (error) => {
    console.error(`[bench] ${error.stack ?? error.message}`);
    onSignal();
  });

  try {
    stack = await startStack({ postgres: "auto", redis: "auto", quiet: true });
    log(
      `stand-ins at ${stack.url} (${stack.postgres.kind} ${stack.postgres.version}, ${stack.redis.kind} ${stack.redis.version})`,
    );
    const vars: Record<string, string> = {
      APP_ENV: "development",
      NEON_HTTP_ENDPOINT: stack.neonEndpoint,
      DATABASE_URL: stack.databaseUrl,
      UPSTASH_REDIS_REST_URL: stack.upstashUrl,
      UPSTASH_REDIS_REST_TOKEN: stack.upstashToken,
      STRIPE_API_BASE: stack.stripeApiBase,
      STRIPE_SECRET_KEY: "sk_test_backline_bench",
      STRIPE_WEBHOOK_SECRET: stack.stripeWebhookSecret,
      JWT_SECRET: randomBytes(32).toString("base64url"),
      MFA_ENCRYPTION_KEY: randomBytes(32).toString("base64url"),
      MAIL_TRANSPORT: "mailbox",
      MAIL_URL: stack.mailboxUrl,
    };
    // Our own env file, so the developer's .dev.vars is neither read nor overwritten.
    const envFile = join(scratch, "bench.env");
    writeFileSync(
      envFile,
      Object.entries(vars)
        .map(([k, v]) => `${k}=${v}`)
        .join("\n"),
    );

    const backlineWrangler = wranglerOptions(vars, envFile);
    const floorVars = {
      NEON_URL: stack.neonEndpoint,
      DATABASE_URL: stack.databaseUrl,
      UPSTASH_URL: stack.upstashUrl,
      UPSTASH_TOKEN: stack.upstashToken,
    };
    const floorEnv = join(scratch, "floor.env");
    writeFileSync(floorEnv, "");
    // The stack floor verifies Backline's access tokens and signed events: it gets the same secrets.
    const stackFloorVars = {
      ...floorVars,
      JWT_SECRET: vars.JWT_SECRET as string,
      STRIPE_WEBHOOK_SECRET: vars.STRIPE_WEBHOOK_SECRET as string,
    };
    const [app, floor, stackFloor] = await Promise.all([
      startWrangler(backlineWrangler),
      wants("load")
        ? startWrangler({
            cwd: join(root, "bench/floor"),
            vars: floorVars,
            envFile: floorEnv,
            readyPath: "/floor",
          })
        : undefined,
      wants("load")
        ? startWrangler({
            cwd: join(root, "bench/stack-floor"),
            vars: stackFloorVars,
            envFile: floorEnv,
            readyPath: "/stack/health",
          })
        : undefined,
    ]);
    log(
      `Backline at ${app.url}, floor at ${floor?.url}, stack floor at ${stackFloor?.url} ` +
        `(${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );

    const users = await createFixtures(app.url, stack);
    log(`fixtures: ${users.length} users, 12 patterns (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    const [first] = users as [Fixture];
    let rotation = 0;
    const rotateToken = (req: { headers?: Record<string, string> }) => {
      const user = users[rotation++ % users.length] as Fixture;
      req.headers = { ...req.headers, authorization: `Bearer ${user.accessToken}` };
      return req;
    };

    // Anonymous reads are limited per client IP: give every request its own.
    let ipCounter = 0;
    const rotateIp = (req: { headers?: Record<string, string> }) => {
      ipCounter++;
      req.headers = {
        ...req.headers,
        "cf-connecting-ip": `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`,
      };
      return req;
    };

    // Sign-in sessions for the refresh chains at 1 connection.
    const signinOnce = async (email = first.email) => {
      const res = await api(
        app.url,
        "POST",
        "/api/auth/signin",
        { "CF-Connecting-IP": nextIp() },
        { email, password: PASSWORD, returnRefreshToken: true },
      );
      if (res.status !== 200) throw new Error(`signin: ${res.status} ${JSON.stringify(res.json)}`);
      return String(res.json.refreshToken);
    };
    const refreshPool: string[] = users.map((u) => u.refreshToken);
    let probeRefresh = await signinOnce();
    // The stack floor's refresh chains: sessions of their own (its probe, 1 connection, 32),
    // signed in when its refresh is measured.
    const stackRefreshPool: string[] = [];
    const fillStackRefreshPool = async (size: number) => {
      for (let i = stackRefreshPool.length; i < size; i++)
        stackRefreshPool.push(await signinOnce((users[i % users.length] as Fixture).email));
    };
    /**
     * Requests walking rotation chains, one per connection: a request takes a chain's head (its
     * newest refresh token) and its answer puts the next one back; a connection's next request is
     * set up only after its answer. The heads live here because autocannon clears a connection's
     * context after every request when it has only one to send: before, each request took the
     * first tokens round-robin, so all but the first use of each was the grace path (a token
     * rotated under 10 s ago answers with an access token only), not a rotation.
     */
    const rotationChains = (heads: string[]): Partial<LoadSpec> => ({
      setupRequest: ((req: { headers?: Record<string, string>; body?: string }) => {
        req.headers = { ...req.headers, "CF-Connecting-IP": nextIp() };
        req.body = JSON.stringify({ refreshToken: heads.shift(), returnRefreshToken: true });
        return req;
      }) as never,
      onResponse: ((status: number, body: string) => {
        const next = status === 200 && (JSON.parse(body) as { refreshToken?: string }).refreshToken;
        if (next) heads.push(next);
      }) as never,
    });

    const bearer = () => ({ authorization: `Bearer ${first.accessToken}` });
    const webhookSecret = stack.stripeWebhookSecret;
    let signedEvent = makeSignedEvent(webhookSecret);
    const endpoints: EndpointSpec[] = [
      {
        name: "health",
        method: "GET",
        path: "/api/health",
        budget: { neon: 1, upstash: 1 },
        headers: () => ({}),
        load: () => ({}),
        stackPath: "/stack/health",
      },
      {
        name: "lessons",
        method: "GET",
        path: "/api/lessons",
        budget: { neon: 1, upstash: 1 },
        headers: () => ({}),
        load: () => ({ setupRequest: rotateIp as never }),
        notes: ["public catalogue, full 200 responses (no If-None-Match)"],
      },
      {
        name: "me",
        method: "GET",
        path: "/api/me",
        budget: { neon: 1, upstash: 1 },
        headers: bearer,
        load: () => ({ setupRequest: rotateToken as never }),
        stackPath: "/stack/me",
      },
      {
        name: "patterns list",
        method: "GET",
        path: "/api/patterns",
        budget: { neon: 1, upstash: 1 },
        headers: bearer,
        load: () => ({ setupRequest: rotateToken as never }),
      },
      {
        name: "patterns create",
        method: "POST",
        path: "/api/patterns",
        budget: { neon: 1, upstash: 1 },
        headers: bearer,
        body: () => patternBody(99),
        load: () => ({ setupRequest: rotateToken as never }),
        stackPath: "/stack/patterns",
      },
      {
        name: "patterns sync",
        method: "POST",
        path: "/api/patterns/sync",
        budget: {},
        headers: bearer,
        body: () => JSON.stringify({ since: "0", changes: [] }),
        load: () => ({ setupRequest: rotateToken as never }),
        notes: ["pull only (no changes sent); no budget yet"],
      },
      {
        name: "signin",
        method: "POST",
        path: "/api/auth/signin",
        budget: { neon: 2, upstash: 2, atMost: true },
        headers: () => ({}),
        body: () => JSON.stringify({ email: first.email, password: PASSWORD }),
        load: () => ({}),
        connections: [1, 4],
        durationSec: 3,
        notes: ["scrypt verify per request: 1 and 4 connections, 3 s each"],
      },
      {
        name: "refresh",
        method: "POST",
        path: "/api/auth/refresh",
        budget: { neon: 1 },
        headers: () => ({ "CF-Connecting-IP": nextIp() }),
        body: () => JSON.stringify({ refreshToken: probeRefresh, returnRefreshToken: true }),
        load: (connections) =>
          rotationChains(connections === 1 ? [probeRefresh] : refreshPool.splice(0, connections)),
        stackPath: "/stack/auth/refresh",
        stackProbeBody: () =>
          JSON.stringify({ refreshToken: stackRefreshPool.shift(), returnRefreshToken: true }),
        stackLoad: (connections) => rotationChains(stackRefreshPool.splice(0, connections)),
        notes: [
          "rotating refresh chains, one per connection (sign-up sessions), every request a rotation; a distinct CF-Connecting-IP per request keeps the per-IP auth limit out of the measurement; the stack floor rotates sessions of its own",
        ],
      },
      {
        name: "stripe webhook",
        method: "POST",
        path: "/api/webhooks/stripe",
        budget: { neon: 1, upstash: 0 },
        // headers() runs before body(): it makes the next signed event, body() sends it.
        headers: () => {
          signedEvent = makeSignedEvent(webhookSecret);
          return { "stripe-signature": signedEvent.signature };
        },
        body: () => signedEvent.payload,
        load: () => ({
          setupRequest: ((req: { headers?: Record<string, string>; body?: string }) => {
            const next = makeSignedEvent(webhookSecret);
            req.headers = { ...req.headers, "stripe-signature": next.signature };
            req.body = next.payload;
            return req;
          }) as never,
        }),
        stackPath: "/stack/webhooks/stripe",
        notes: [
          "a fresh signed customer.subscription.updated per request, for one of 64 subscriptions in turn: signature check, then one batch (the ledger's claim as processed, user lock, subscription upsert, tier recompute)",
        ],
      },
    ];

    const results: EndpointResult[] = [];
    // `--endpoints=health,me` measures only those (quick before/after runs).
    const picked = args.get("endpoints")?.split(",");
    for (const spec of endpoints.filter((e) => !picked || picked.includes(e.name))) {
      if (stackFloor && spec.stackLoad) await fillStackRefreshPool(1 + 1 + Math.max(...CONNECTIONS));
      const probe = await roundTrips(app.url, stack, spec);
      if (spec.name === "refresh" && probe.status === 200) probeRefresh = await signinOnce();
      const result: EndpointResult = {
        name: spec.name,
        method: spec.method,
        path: spec.path,
        budget: spec.budget,
        roundTrips: probe.counts,
        probeStatus: probe.status,
        runs: [],
        notes: [...(spec.notes ?? [])],
      };
      const stackUrl = stackFloor && spec.stackPath ? `${stackFloor.url}${spec.stackPath}` : undefined;
      if (stackUrl) {
        const stackProbe = await untracedRoundTrips(stackUrl, stack, spec, spec.stackProbeBody ?? spec.body);
        result.stackFloor = {
          path: spec.stackPath as string,
          roundTrips: stackProbe.counts,
          probeStatus: stackProbe.status,
        };
      }
      const duration = spec.durationSec ?? DURATION;
      for (const connections of wants("load") ? (spec.connections ?? CONNECTIONS) : []) {
        await resetRateLimits(stack);
        const backline = await runLoad({
          url: `${app.url}${spec.path}`,
          method: spec.method,
          headers: { "content-type": "application/json", ...spec.headers() },
          body: spec.body?.(),
          connections,
          durationSec: duration,
          ...spec.load(connections),
        });
        // Measured right after each Backline run, so both see the same machine load.
        const floorRun = await runLoad({
          url: `${floor?.url}/floor?neon=${probe.counts.neon}&upstash=${probe.counts.upstash}`,
          connections,
          durationSec: duration,
        });
        // Then the stack floor on the same requests (tokens, bodies), for the endpoints it mirrors.
        const stackRun = stackUrl
          ? await runLoad({
              url: stackUrl,
              method: spec.method,
              headers: { "content-type": "application/json", ...spec.headers() },
              body: spec.body?.(),
              connections,
              durationSec: duration,
              ...loadFor(spec, true)(connections),
            })
          : undefined;
        result.runs.push({
          connections,
          backline,
          floor: floorRun,
          ratio: ratios(backline, floorRun),
          ...(stackRun && {
            stackFloor: stackRun,
            stackRatio: { backline: ratios(backline, stackRun), floor: ratios(stackRun, floorRun) },
          }),
        });
        if (stackRun && stackRun.non2xx > 0)
          result.notes.push(
            `stack floor ${connections} conn: statuses ${JSON.stringify(stackRun.statusCodes)}`,
          );
        if (backline.non2xx > 0)
          result.notes.push(`${connections} conn: statuses ${JSON.stringify(backline.statusCodes)}`);
        log(
          `${spec.name} c=${connections}: p50 ${backline.p50} ms p99 ${backline.p99} ms ${backline.reqPerSec} req/s ` +
            `(floor ${floorRun.p50}/${floorRun.p99} ms ${floorRun.reqPerSec} req/s` +
            `${stackRun ? `; stack floor ${stackRun.p50}/${stackRun.p99} ms ${stackRun.reqPerSec} req/s` : ""}) non2xx ${backline.non2xx} ` +
            `[${((performance.now() - t0) / 1000).toFixed(0)} s]`,
        );
      }
      results.push(result);
    }

    const profileDir = args.get("profile-workerd");
    // The refresh profile's chains, one per connection, when the load runs took the fixtures'.
    while (profileDir && refreshPool.length < PROFILE_CONNECTIONS) refreshPool.push(await signinOnce());
    if (profileDir) await fillStackRefreshPool(PROFILE_CONNECTIONS);
    await Promise.all([app.stop(), floor?.stop(), stackFloor?.stop()]);
    if (profileDir) {
      log(`workerd CPU profiles (unminified wrangler dev) in ${profileDir}…`);
      const specs = endpoints.filter((e) => !picked || picked.includes(e.name));
      const backlineTop = await profileEndpoints(
        profileDir,
        specs,
        {
          label: "",
          onStack: false,
          options: backlineWrangler,
          pathOf: (spec) => spec.path,
        },
        stack,
      );
      // The stack floor's mirrored routes, for comparing its top functions with Backline's.
      const stackTop = await profileEndpoints(
        profileDir,
        specs,
        {
          label: "stack floor ",
          onStack: true,
          options: {
            cwd: join(root, "bench/stack-floor"),
            vars: stackFloorVars,
            envFile: floorEnv,
            readyPath: "/stack/health",
          },
          pathOf: (spec) => spec.stackPath,
          bundleFile: "worker.js",
        },
        stack,
      );
      mkdirSync(profileDir, { recursive: true });
      writeFileSync(join(profileDir, "top.txt"), [...backlineTop, ...stackTop].join("\n"));
    }

    log("bundle (wrangler deploy --dry-run)…");
    const bundle = wants("bundle") ? await measureBundle() : undefined;
    log("startup (3 fresh wrangler dev)…");
    let startup: BenchResults["startup"];
    try {
      if (wants("startup")) startup = await measureStartup(vars, envFile);
    } catch (error) {
      startup = {
        samplesMs: [],
        medianMs: 0,
        firstMs: [],
        warmMs: [],
        bootMs: [],
        error: String(error).slice(0, 300),
      };
    }

    log("CPU per request (in-process, Node 22)…");
    await resetRateLimits(stack);
    // One user per authenticated case, so none meets the api limit (300 a minute) with 220 requests.
    const auth = (user: number) => ({
      authorization: `Bearer ${users[user]?.accessToken}`,
      "content-type": "application/json",
    });
    const cpuCases: CpuCase[] = [
      { name: "health", method: "GET", path: "/api/health" },
      { name: "lessons", method: "GET", path: "/api/lessons" },
      { name: "me", method: "GET", path: "/api/me", headers: auth(1) },
      { name: "patterns list", method: "GET", path: "/api/patterns", headers: auth(2) },
      {
        name: "patterns create",
        method: "POST",
        path: "/api/patterns",
        headers: auth(3),
        body: patternBody(7),
      },
      {
        name: "patterns sync",
        method: "POST",
        path: "/api/patterns/sync",
        headers: auth(4),
        body: JSON.stringify({ since: "0", changes: [] }),
      },
      {
        name: "signin",
        method: "POST",
        path: "/api/auth/signin",
        iterations: 30,
        warmups: 3, // each one hashes (~0.2 s)
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: users[1]?.email, password: PASSWORD }),
      },
      {
        name: "stripe webhook",
        method: "POST",
        path: "/api/webhooks/stripe",
        // Every delivery a new event (warm-up included), or the ledger answers the duplicate early.
        iterations: 100,
        variants: Array.from({ length: 300 }, () => {
          const event = makeSignedEvent(webhookSecret);
          return {
            headers: { "content-type": "application/json", "stripe-signature": event.signature },
            body: event.payload,
          };
        }),
      },
    ];
    // Each case's floor: the round trips its endpoint made in the probe above.
    for (const c of cpuCases) {
      const trips = results.find((r) => r.name === c.name)?.roundTrips;
      if (trips) c.floor = { neon: trips.neon, upstash: trips.upstash };
    }
    const cpuInput: CpuInput = {
      env: { ...wranglerTomlVars(), ...vars },
      floorEnv: floorVars,
      cases: cpuCases,
      iterations: Number(args.get("iterations") || 200),
      hashIterations: 3,
      replay: args.has("replay"),
    };
    const cpu = wants("cpu") ? await measureCpu(cpuInput) : undefined;
    if (args.get("profile")) {
      await resetRateLimits(stack);
      log(`CPU profiles (one per case) in ${args.get("profile")}…`);
      const profiled = await measureCpu({ ...cpuInput, profileDir: args.get("profile"), hashIterations: 0 });
      if (!profiled.ok) log(`profiling failed: ${profiled.error}`);
    }

    const results_: BenchResults = {
      startedAt,
      totalSec: Math.round((performance.now() - t0) / 1000),
      machine: {
        cpus: availableParallelism(),
        node: process.versions.node,
        postgres: `${stack.postgres.kind} ${stack.postgres.version}`,
        redis: `${stack.redis.kind} ${stack.redis.version}`,
      },
      settings: { durationSec: DURATION, connections: CONNECTIONS },
      endpoints: results,
      bundle,
      startup,
      cpu,
      toAdd: [],
    };
    if (only) {
      const label = args.get("label") || "partial";
      writeFileSync(join(resultsDir, `${label}.json`), `${JSON.stringify(results_, null, 2)}\n`);
    } else {
      writeFileSync(join(resultsDir, "latest.json"), `${JSON.stringify(results_, null, 2)}\n`);
      writeFileSync(join(resultsDir, "latest.md"), renderMarkdown(results_));
      writeFileSync(join(resultsDir, "latest.svg"), renderChart(results_));
    }
    printSummary(results_, only ? `bench/results/${args.get("label") || "partial"}.json` : undefined);
  } finally {
    await cleanup();
  }
}

const PROFILED_REQUESTS = 1500;
const PROFILE_CONNECTIONS = 8;

/** A worker to profile: how to start it, and its route for an endpoint (none: not profiled). */
interface ProfileTarget {
  /** Prefixes the profile files and headings; empty for Backline. */
  label: string;
  /** The stack floor: its own load where the spec gives one (loadFor). */
  onStack: boolean;
  options: WranglerOptions;
  pathOf: (spec: EndpointSpec) => string | undefined;
  /** The bundle's file name under `.wrangler/tmp/dev-*` (its `main`'s name); default `index.js`. */
  bundleFile?: string;
}

/**
 * One workerd CPU profile per endpoint and target (sign-in left out: its hash is the whole
 * profile), taken while autocannon sends a fixed number of requests on 8 connections to an
 * unminified build. Returns the top.txt sections.
 */
async function profileEndpoints(
  dir: string,
  specs: EndpointSpec[],
  target: ProfileTarget,
  stack: Stack,
): Promise<string[]> {
  const profiled = specs.filter((spec) => spec.name !== "signin" && target.pathOf(spec));
  if (!profiled.length) return [];
  mkdirSync(dir, { recursive: true });
  const app = await startWrangler({ ...target.options, extraArgs: ["--minify=false"] });
  const top: string[] = [];
  try {
    for (const spec of profiled) {
      await resetRateLimits(stack);
      const connections = PROFILE_CONNECTIONS;
      const load = {
        url: `${app.url}${target.pathOf(spec)}`,
        method: spec.method,
        headers: { "content-type": "application/json", ...spec.headers() },
        body: spec.body?.(),
        connections,
        durationSec: 60,
        maxRequests: PROFILED_REQUESTS,
        ...loadFor(spec, target.onStack)(connections),
      };
      await runLoad({ ...load, maxRequests: 200 }); // warm
      let done = 0;
      let failed: Record<string, number> | undefined;
      const profile = await profileWorkerd(
        app.inspectorPort,
        newestDevBundle(target.options.cwd, target.bundleFile),
        async () => {
          const run = await runLoad(load);
          done = run.requests;
          if (run.non2xx > 0) failed = run.statusCodes;
        },
      );
      const name = `${target.label}${spec.name}`;
      writeFileSync(join(dir, `${name.replaceAll(" ", "-")}.cpuprofile`), JSON.stringify(profile));
      // A profile of refusals is not a profile of the endpoint: say so at its head.
      const refused = failed ? `, statuses ${JSON.stringify(failed)}` : "";
      top.push(
        `## ${name} (${done} requests${refused}, ${connections} connections)`,
        summarizeProfile(profile, done),
        "",
      );
      log(`profiled ${name}: ${done} requests`);
    }
  } finally {
    await app.stop();
  }
  return top;
}

/**
 * The bundle the running `wrangler dev` serves: the newest `.wrangler/tmp/dev-*\/<main>.js`
 * (`index.js` for Backline, whose [build] writes functions/index.ts; `worker.js` for bench/stack-floor).
 */
function newestDevBundle(cwd: string, file = "index.js"): string {
  const tmp = join(cwd, ".wrangler/tmp");
  const bundles = readdirSync(tmp)
    .filter((name) => name.startsWith("dev-"))
    .map((name) => join(tmp, name, file))
    .filter((file) => {
      try {
        return statSync(file).isFile();
      } catch {
        return false;
      }
    })
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!bundles[0]) throw new Error(`no wrangler dev bundle under ${tmp}`);
  return bundles[0];
}

/** The `[env.dev.vars]` of wrangler.toml, which `wrangler dev --env dev` would bind. */
function wranglerTomlVars(): Record<string, string> {
  const config = unstable_readConfig(
    { config: join(root, "wrangler.toml"), env: "dev" },
    { hideWarnings: true },
  );
  return Object.fromEntries(
    Object.entries(config.vars ?? {}).filter(
      (entry): entry is [string, string] => typeof entry[1] === "string",
    ),
  );
}

function printSummary(r: BenchResults, wrote = "bench/results/latest.{json,md,svg}"): void {
  const rows = r.endpoints.flatMap((e) =>
    e.runs.map((run) => ({
      endpoint: e.name,
      c: run.connections,
      trips: `${e.roundTrips.neon}n ${e.roundTrips.upstash}u`,
      p50: run.backline.p50,
      p99: run.backline.p99,
      "req/s": run.backline.reqPerSec,
      "floor p50": run.floor.p50,
      "×p50": run.ratio.p50,
      "×p99": run.ratio.p99,
      "×req/s": run.ratio.throughput,
      "stack p50": run.stackFloor?.p50 ?? "",
      "÷stack p50": run.stackRatio?.backline.p50 ?? "",
      non2xx: run.backline.non2xx,
    })),
  );
  console.table(rows);
  if (r.bundle && !r.bundle.error)
    console.log(
      `bundle ${(r.bundle.rawBytes / 1024).toFixed(0)} KiB raw, ${(r.bundle.gzipBytes / 1024).toFixed(0)} KiB gzip`,
    );
  if (r.startup && !r.startup.error)
    console.log(`startup ${r.startup.medianMs} ms (median of ${r.startup.samplesMs.length})`);
  if (r.cpu?.ok)
    console.log(
      `cpu ms/req: ${r.cpu.rows.map((row) => `${row.name} ${row.cpuMs}${row.appCpuMs === undefined ? "" : ` (app ${row.appCpuMs})`}`).join(", ")}; scrypt hash ${r.cpu.hash?.hashCpuMs} ms`,
    );
  else console.log(`cpu: ${r.cpu?.error}`);
  console.log(`total ${r.totalSec} s; wrote ${wrote}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`[bench] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
