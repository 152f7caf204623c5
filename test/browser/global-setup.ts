/**
 * The browser project's global setup: the whole local system (`dev/run.ts --ephemeral`: the
 * stand-ins, wrangler dev and the web app on free ports) as a child process, and one headless
 * Debian chromium for the run, shared by the test files through its WebSocket endpoint. It also
 * finds Debian's browsers for the suites that launch their own (Chromium and Firefox, through
 * puppeteer-core: test/browser/drivers/puppeteer.ts).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { createInterface } from "node:readline";
import { type BrowserServer, chromium } from "playwright-core";
import type { TestProject } from "vitest/node";
import type { DevReady } from "../../dev/run";

/** What the tests get: where everything runs, or why the suite is skipped. */
export type BrowserEnv =
  | { skip: string }
  | {
      skip?: undefined;
      dev: DevReady;
      browserWsEndpoint: string;
      artifactsDir: string;
      executables: BrowserExecutables;
    };

/** Debian's browser binaries: chromium always; firefox-esr when installed (else its runs skip). */
export interface BrowserExecutables {
  chromium: string;
  firefox?: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    browserEnv: BrowserEnv;
  }
}

const READY = "BACKLINE_DEV_READY ";
/** Flags that keep Debian's chromium quiet and offline (no background connections, no GPU, no sandbox). */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let child: ChildProcess | undefined;
let browser: BrowserServer | undefined;

function findExecutable(command: "chromium" | "firefox-esr"): string | undefined {
  try {
    return execFileSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Says loudly that (part of) the browser tests will not run, or fails when they must. */
function skipping(what: string, reason: string): void {
  if (process.env.BACKLINE_REQUIRE_BROWSER === "1") {
    throw new Error(`BACKLINE_REQUIRE_BROWSER=1 but ${reason}`);
  }
  const bar = "!".repeat(78);
  console.warn(`\n${bar}\n!! SKIPPING ${what}: ${reason}.\n${bar}\n`);
}

const START_TIMEOUT_MS = 300_000;

function startDev(): Promise<DevReady> {
  const dev = spawn(process.execPath, ["--import", "tsx", "dev/run.ts", "--ephemeral"], {
    stdio: ["pipe", "pipe", "inherit"],
    env: process.env,
  });
  child = dev;
  return new Promise<DevReady>((resolve, reject) => {
    // Generous: it builds the SDK and the worker, and CI starts it beside a second test pass.
    const timer = setTimeout(
      () => reject(new Error(`dev/run.ts --ephemeral did not start within ${START_TIMEOUT_MS / 1000} s`)),
      START_TIMEOUT_MS,
    );
    createInterface({ input: dev.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      if (!line.startsWith(READY)) return;
      clearTimeout(timer);
      resolve(JSON.parse(line.slice(READY.length)) as DevReady);
    });
    dev.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`dev/run.ts --ephemeral exited early with code ${code}`));
    });
  });
}

export async function setup(project: TestProject): Promise<void> {
  const executablePath = findExecutable("chromium");
  if (!executablePath) {
    const reason = "chromium is not installed (apt-get install chromium)";
    skipping("THE BROWSER TESTS", reason);
    project.provide("browserEnv", { skip: reason });
    return;
  }
  const firefox = findExecutable("firefox-esr");
  if (!firefox) {
    skipping(
      "THE FIREFOX RUNS OF THE BROWSER TESTS",
      "firefox-esr is not installed (apt-get install firefox-esr)",
    );
  }
  const artifactsDir = "test-artifacts/browser";
  rmSync(artifactsDir, { recursive: true, force: true });
  mkdirSync(artifactsDir, { recursive: true });
  const [devStarted, browserStarted] = await Promise.allSettled([
    startDev(),
    chromium.launchServer({ executablePath, headless: true, args: CHROMIUM_ARGS }),
  ]);
  if (browserStarted.status === "fulfilled") browser = browserStarted.value;
  if (devStarted.status === "rejected" || browserStarted.status === "rejected") {
    await teardown();
    throw devStarted.status === "rejected"
      ? devStarted.reason
      : (browserStarted as PromiseRejectedResult).reason;
  }
  const dev = devStarted.value;
  const server = browserStarted.value;
  console.log(
    `[backline] browser tests: ${dev.webUrl} -> ${dev.apiUrl}; Postgres: ${dev.postgres}; Redis: ${dev.redis}`,
  );
  project.provide("browserEnv", {
    dev,
    browserWsEndpoint: server.wsEndpoint(),
    artifactsDir,
    executables: { chromium: executablePath, firefox },
  });
}

export async function teardown(): Promise<void> {
  await browser?.close();
  const dev = child;
  if (!dev) return;
  if (dev.exitCode === null) {
    const exited = new Promise((resolve) => dev.once("exit", resolve));
    dev.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 15_000)))]);
    clearTimeout(timer);
    if (dev.exitCode === null) dev.kill("SIGKILL");
  }
  dev.stdin?.destroy();
  dev.stdout?.destroy();
}
