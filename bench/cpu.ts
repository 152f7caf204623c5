/**
 * CPU per request, in-process: imports the worker app into Node 22 (through tsx) and calls
 * `app.fetch` against the running stand-ins, timing wall and process CPU per request.
 * Run as a child of bench/run.ts so the stand-ins' own CPU is not counted; reads its input
 * from the JSON file BENCH_CPU_INPUT names (an environment variable cannot hold 300 signed
 * webhook events) and prints one JSON line.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { hashPassword, verifyPassword } from "../shared/crypto";
import floorWorker from "./floor/worker";
import { summarizeProfile } from "./profile";
import { forgetRateLimits } from "./rate-limits";

export interface CpuCase {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Requests that must differ each time (e.g. signed webhook events): cycled through, overriding headers and body. */
  variants?: { headers: Record<string, string>; body: string }[];
  /** Requests to time for this case; CpuInput.iterations by default. */
  iterations?: number;
  /** Requests sent before timing; REPLAY_WARMUPS or LIVE_WARMUPS by default. */
  warmups?: number;
  /** The round trips this request makes: the floor worker makes the same ones in-process, for the app's own share. */
  floor?: { neon: number; upstash: number };
}

/** The bindings of bench/floor/worker.ts: the same stand-ins. */
export interface FloorEnv {
  NEON_URL: string;
  DATABASE_URL: string;
  UPSTASH_URL: string;
  UPSTASH_TOKEN: string;
}

export interface CpuInput {
  env: Record<string, string>;
  cases: CpuCase[];
  iterations: number;
  hashIterations: number;
  floorEnv?: FloorEnv;
  /** When set: a V8 CPU profile of each case's timed requests is written here (`<case>.cpuprofile`), with `top.txt`. */
  profileDir?: string;
  /**
   * Replay mode: each case's upstream answers (Neon, Upstash, Stripe) are recorded from one real
   * request, and the timed requests get them back from memory instead of the network. What is
   * left is Backline's own CPU, without the fetch client, sockets and the stand-ins' jitter:
   * no floor is subtracted (`appCpuMs` is `cpuMs`).
   */
  replay?: boolean;
}

export interface CpuRow {
  name: string;
  iterations: number;
  /** Mean process CPU (user + system, every thread) per request, ms. */
  cpuMs: number;
  /**
   * Mean CPU of the main thread alone per request, ms: the JavaScript and the fetch client,
   * without V8's background compiler and GC helper threads, whose work lands on whichever
   * request is running and moved the process figure by more than its size between runs.
   */
  threadCpuMs: number;
  /** Mean wall time per request, ms (includes waiting on the stand-ins). */
  wallMs: number;
  /** Mean process CPU of the floor worker making the same round trips in-process, ms. */
  floorCpuMs?: number;
  /** cpuMs minus floorCpuMs: what Backline's own code costs. */
  appCpuMs?: number;
  /** Main-thread CPU of the floor making the same round trips, ms. */
  floorThreadCpuMs?: number;
  /** threadCpuMs minus floorThreadCpuMs: Backline's own code, on the main thread. */
  appThreadCpuMs?: number;
  statuses: Record<string, number>;
  /** The first non-2xx body, to say why. */
  failure?: string;
}

export interface CpuOutput {
  ok: boolean;
  error?: string;
  rows: CpuRow[];
  hash?: {
    iterations: number;
    hashCpuMs: number;
    hashWallMs: number;
    verifyCpuMs: number;
    verifyWallMs: number;
  };
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function threadCpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.threadCpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** Profiles the timed part of `measure` when set (a profiling pass; its timings are not reported). */
let profiler: { session: Session; onProfile: (profile: object) => void } | undefined;

/**
 * Replayed requests sent before the timed ones: enough for V8 to finish optimising the request
 * path. With 20, a few hundred timed requests still paid for that (patterns create read 1.4–1.8
 * ms over 200 requests, and 0.6 over 1,000), so the figure said more about warm-up than about
 * a warm request. Replays cost no network, so warming is cheap.
 */
const REPLAY_WARMUPS = 500;

/**
 * Live requests sent before the timed ones. With 20, the timed requests still paid for V8
 * optimising the path, as in replay mode: patterns sync read 1.4 ms of app CPU in one run and
 * 2.5 in the next. Each costs real round trips, so fewer than in replay mode; the rate-limit
 * windows they filled are forgotten before timing (`beforeTiming`).
 */
const LIVE_WARMUPS = 200;

async function measure(
  iterations: number,
  run: () => Promise<number | undefined>,
  warmups: number,
  beforeTiming?: () => Promise<void>,
): Promise<{ cpuMs: number; threadCpuMs: number; wallMs: number; statuses: Record<string, number> }> {
  const statuses: Record<string, number> = {};
  for (let i = 0; i < warmups; i++) await run(); // warm-up: JIT, config, lazy imports
  await beforeTiming?.();
  if (profiler) await profiler.session.post("Profiler.start");
  const cpu = process.cpuUsage();
  const threadCpu = process.threadCpuUsage();
  const wall = performance.now();
  for (let i = 0; i < iterations; i++) {
    const status = await run();
    if (status !== undefined) statuses[status] = (statuses[status] ?? 0) + 1;
  }
  const threadCpuMs = threadCpuMsSince(threadCpu);
  const cpuMs = cpuMsSince(cpu);
  if (profiler) profiler.onProfile((await profiler.session.post("Profiler.stop")).profile);
  return {
    cpuMs: round(cpuMs / iterations),
    threadCpuMs: round(threadCpuMs / iterations),
    wallMs: round((performance.now() - wall) / iterations),
    statuses,
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** One recorded upstream answer. */
interface Recorded {
  status: number;
  headers: [string, string][];
  body: ArrayBuffer;
}

/** The stand-in a call goes to: its first path segment (`/neon`, `/upstash`, `/stripe`, …). */
function upstreamOf(input: RequestInfo | URL): string {
  const url = input instanceof Request ? input.url : String(input);
  return new URL(url).pathname.split("/")[1] ?? "";
}

/** Calls the real fetch and keeps each answer, per stand-in in call order. */
function recordingFetch(real: typeof fetch, tape: Map<string, Recorded[]>): typeof fetch {
  return async (input, init) => {
    const res = await real(input, init);
    const body = await res.arrayBuffer();
    const answers = tape.get(upstreamOf(input)) ?? [];
    answers.push({
      status: res.status,
      headers: [...(res.headers as unknown as Iterable<[string, string]>)],
      body,
    });
    tape.set(upstreamOf(input), answers);
    return new Response(body, { status: res.status, headers: res.headers });
  };
}

/** Answers each call with the next recorded answer of its stand-in, cycling; no network. */
function replayingFetch(tape: Map<string, Recorded[]>): typeof fetch {
  const next = new Map<string, number>();
  return async (input) => {
    const upstream = upstreamOf(input);
    const answers = tape.get(upstream);
    if (!answers?.length) throw new Error(`replay: nothing recorded for /${upstream}`);
    const i = next.get(upstream) ?? 0;
    next.set(upstream, i + 1);
    const answer = answers[i % answers.length] as Recorded;
    return new Response(answer.body.slice(0), { status: answer.status, headers: answer.headers });
  };
}

async function main(): Promise<CpuOutput> {
  const input = JSON.parse(readFileSync(process.env.BENCH_CPU_INPUT as string, "utf8")) as CpuInput;
  let app: { fetch: (req: Request, env: never, ctx: never) => Response | Promise<Response> };
  try {
    ({ app } = (await import("../functions/index")) as unknown as { app: typeof app });
  } catch (error) {
    return { ok: false, error: `importing functions/index.ts in Node failed: ${String(error)}`, rows: [] };
  }
  const profileDir = input.profileDir;
  const top: string[] = [];
  if (profileDir) {
    mkdirSync(profileDir, { recursive: true });
    const session = new Session();
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: 100 });
    profiler = { session, onProfile: () => {} };
  }
  const floors = new Map<string, { cpuMs: number; threadCpuMs: number }>();
  const floorCpu = async (neon: number, upstash: number) => {
    if (!input.floorEnv || profileDir) return undefined;
    const key = `${neon}/${upstash}`;
    let floor = floors.get(key);
    if (floor === undefined) {
      const url = `http://127.0.0.1/floor?neon=${neon}&upstash=${upstash}`;
      floor = await measure(
        input.iterations,
        async () => {
          const res = await floorWorker.fetch(new Request(url), input.floorEnv as FloorEnv);
          await res.text();
          return res.status;
        },
        LIVE_WARMUPS,
      );
      floors.set(key, floor);
    }
    return floor;
  };
  const rows: CpuRow[] = [];
  for (const c of input.cases) {
    const pending: Promise<unknown>[] = [];
    const ctx = {
      waitUntil: (p: Promise<unknown>) => pending.push(p.catch(() => {})),
      passThroughOnException() {},
      props: {},
    };
    let failure: string | undefined;
    let n = 0;
    const iterations = c.iterations ?? input.iterations;
    if (profiler && profileDir) {
      const file = join(profileDir, `${c.name.replaceAll(" ", "-")}.cpuprofile`);
      profiler.onProfile = (profile) => {
        writeFileSync(file, JSON.stringify(profile));
        top.push(`## ${c.name} (${iterations} requests)`, summarizeProfile(profile as never, iterations), "");
      };
    }
    const send = async () => {
      const variant = c.variants?.[n++ % c.variants.length];
      const res = await app.fetch(
        new Request(`http://127.0.0.1${c.path}`, {
          method: c.method,
          headers: variant?.headers ?? c.headers,
          body: variant?.body ?? c.body,
        }),
        input.env as never,
        ctx as never,
      );
      const text = await res.text();
      if (res.status >= 300) failure ??= text.slice(0, 300);
      await Promise.all(pending.splice(0));
      return res.status;
    };
    const realFetch = globalThis.fetch;
    if (input.replay) {
      for (let i = 0; i < 3; i++) await send(); // warm: caches, one-time statements, limiter scripts
      const tape = new Map<string, Recorded[]>();
      globalThis.fetch = recordingFetch(realFetch, tape);
      await send();
      globalThis.fetch = replayingFetch(tape);
    }
    let result: Awaited<ReturnType<typeof measure>>;
    try {
      result = input.replay
        ? await measure(iterations, send, c.warmups ?? REPLAY_WARMUPS)
        : await measure(iterations, send, c.warmups ?? LIVE_WARMUPS, () =>
            forgetRateLimits(
              input.env.UPSTASH_REDIS_REST_URL as string,
              input.env.UPSTASH_REDIS_REST_TOKEN as string,
            ),
          );
    } finally {
      globalThis.fetch = realFetch;
    }
    const floor = input.replay ? undefined : c.floor && (await floorCpu(c.floor.neon, c.floor.upstash));
    rows.push({
      name: c.name,
      iterations,
      ...result,
      ...(floor && {
        floorCpuMs: floor.cpuMs,
        appCpuMs: round(result.cpuMs - floor.cpuMs),
        floorThreadCpuMs: floor.threadCpuMs,
        appThreadCpuMs: round(result.threadCpuMs - floor.threadCpuMs),
      }),
      ...(failure && { failure }),
    });
  }
  if (profileDir) {
    writeFileSync(join(profileDir, "top.txt"), top.join("\n"));
    return { ok: true, rows };
  }
  const n = input.hashIterations;
  // Hashing is plain scrypt: one warm-up each is enough.
  const hashed = await measure(
    n,
    async () => {
      await hashPassword("correct horse battery staple");
      return undefined;
    },
    1,
  );
  const stored = await hashPassword("correct horse battery staple");
  const verified = await measure(
    n,
    async () => {
      await verifyPassword("correct horse battery staple", stored);
      return undefined;
    },
    1,
  );
  return {
    ok: true,
    rows,
    hash: {
      iterations: n,
      hashCpuMs: hashed.cpuMs,
      hashWallMs: hashed.wallMs,
      verifyCpuMs: verified.cpuMs,
      verifyWallMs: verified.wallMs,
    },
  };
}

main()
  .then((out) => {
    process.stdout.write(`BENCH_CPU_RESULT ${JSON.stringify(out)}\n`);
    process.exit(0);
  })
  .catch((error: unknown) => {
    process.stdout.write(
      `BENCH_CPU_RESULT ${JSON.stringify({ ok: false, error: String(error), rows: [] })}\n`,
    );
    process.exit(0);
  });
