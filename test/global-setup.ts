import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { TestProject } from "vitest/node";
import { writePrebuiltAssets } from "../dev/bundle/prebuild";

/** What the dev stack prints when it is ready; handed to the worker as bindings. */
export interface StackInfo {
  url: string;
  neonEndpoint: string;
  databaseUrl: string;
  upstashUrl: string;
  upstashToken: string;
  stripeApiBase: string;
  stripeWebhookSecret: string;
  mailboxUrl: string;
  postgres: { kind: string; version: string };
  redis: { kind: string; version: string };
}

declare module "vitest" {
  export interface ProvidedContext {
    stack: StackInfo;
  }
}

const READY = "BACKLINE_STACK_READY ";

let child: ChildProcess | undefined;

/** Starts the local stack (a child process on random ports) for the worker tests. */
export async function setup(project: TestProject): Promise<void> {
  // The worker serves /openapi.json and /docs from the static assets; wrangler.toml [build] makes them elsewhere.
  await writePrebuiltAssets();
  child = spawn(process.execPath, ["--import", "tsx", "dev/stack.ts", "--port", "0"], {
    stdio: ["pipe", "pipe", "inherit"],
    env: process.env,
  });
  const info = await new Promise<StackInfo>((resolve, reject) => {
    const lines = createInterface({ input: child!.stdout! });
    const timer = setTimeout(() => reject(new Error("the dev stack did not start within 60 s")), 60_000);
    lines.on("line", (line) => {
      if (!line.startsWith(READY)) return;
      clearTimeout(timer);
      resolve(JSON.parse(line.slice(READY.length)) as StackInfo);
    });
    child!.once("exit", (code) => reject(new Error(`the dev stack exited early with code ${code}`)));
  });
  console.log(
    `[backline] tests use Postgres: ${info.postgres.kind} ${info.postgres.version}; Redis: ${info.redis.kind} ${info.redis.version}`,
  );
  project.provide("stack", info);
}

export async function teardown(): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child!.once("exit", resolve));
  child.kill("SIGTERM");
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  if (child.exitCode === null) child.kill("SIGKILL");
}
