/** Starts and stops `wrangler dev` children for the benchmark, each in its own process group. */
import { type ChildProcess, spawn } from "node:child_process";
import { findFreePort } from "../dev/free-port";

export interface WranglerDev {
  url: string;
  /** wrangler's inspector proxy for the worker (Chrome DevTools Protocol). */
  inspectorPort: number;
  child: ChildProcess;
  /** Milliseconds from spawn until `readyPath` first answered (any status). */
  bootMs: number;
  /** Duration of that first answered request alone, ms. */
  firstMs: number;
  stop(): Promise<void>;
}

export interface WranglerOptions {
  cwd: string;
  /** Config files (`--config` each), relative to `cwd`; several run as one `wrangler dev`, the first on the port. */
  configs?: readonly string[];
  /** The wrangler.toml environment (`--env`); Backline's local one is `dev`. */
  env?: string;
  vars: Record<string, string>;
  /** An env file to load instead of the developer's .dev.vars. */
  envFile?: string;
  readyPath: string;
  timeoutMs?: number;
  /** More `wrangler dev` arguments (e.g. `--minify=false` for a readable profile). */
  extraArgs?: string[];
}

const live = new Set<WranglerDev>();

/** Spawns `wrangler dev --ip 127.0.0.1 --port <free>` and waits until `readyPath` answers. */
export async function startWrangler(options: WranglerOptions): Promise<WranglerDev> {
  const port = await findFreePort();
  const inspectorPort = await findFreePort();
  const args = [
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--show-interactive-dev-session=false",
    "--log-level",
    "warn",
    ...(options.configs ?? []).flatMap((config) => ["--config", config]),
    ...(options.env ? ["--env", options.env] : []),
    ...(options.envFile ? ["--env-file", options.envFile] : []),
    ...Object.entries(options.vars).flatMap(([key, value]) => ["--var", `${key}:${value}`]),
    ...(options.extraArgs ?? []),
  ];
  const started = performance.now();
  const child = spawn("wrangler", args, {
    cwd: options.cwd,
    stdio: ["ignore", "ignore", "pipe"],
    detached: true,
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const dev: WranglerDev = {
    url,
    inspectorPort,
    child,
    bootMs: 0,
    firstMs: 0,
    async stop() {
      live.delete(dev);
      if (!child.pid || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      killGroup(child.pid, "SIGTERM");
      const timer = setTimeout(() => killGroup(child.pid as number, "SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
      // workerd may outlive wrangler for a moment; the group signal reaches it too.
      killGroup(child.pid, "SIGKILL");
    },
  };
  live.add(dev);
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}): ${stderr}`);
    const sent = performance.now();
    try {
      const res = await fetch(`${url}${options.readyPath}`);
      await res.arrayBuffer();
      dev.firstMs = performance.now() - sent;
      dev.bootMs = performance.now() - started;
      return dev;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  await dev.stop();
  throw new Error(`wrangler dev on ${url} did not answer within the timeout: ${stderr}`);
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Stops every wrangler this process started; used on exit paths. */
export async function stopAllWranglers(): Promise<void> {
  await Promise.all([...live].map((dev) => dev.stop()));
}

/** Synchronous last resort for process exit: SIGKILL every group still alive. */
export function killAllWranglersNow(): void {
  for (const dev of live) if (dev.child.pid) killGroup(dev.child.pid, "SIGKILL");
}
