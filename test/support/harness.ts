import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { app } from "../../functions";
import type { Bindings } from "../../shared/env";

/** Bindings the test config adds for reaching the stand-ins directly. */
export type TestBindings = Bindings & { STACK_URL: string; MAILBOX_URL: string };

export const testEnv = env as unknown as TestBindings;

/**
 * Bindings for one test file: its own database (created on first use from the
 * migrated template by the Neon stand-in), so each file starts from clean data.
 */
export function fileEnv(name: string, overrides: Partial<TestBindings> = {}): TestBindings {
  const db = `t_${name.replace(/[^a-z0-9]+/gi, "_").toLowerCase()}_${crypto.randomUUID().slice(0, 8)}`;
  const url = new URL(testEnv.DATABASE_URL);
  url.pathname = `/${db}`;
  return { ...testEnv, DATABASE_URL: url.toString(), ...overrides };
}

/** Sends one request through the whole worker app and waits for its background work. */
export async function send(
  bindings: TestBindings,
  path: string,
  init: RequestInit & { json?: unknown } = {},
  // The Hono app by default; the worker's own export for what happens before the app (static files).
  target: {
    fetch: (request: Request, env: TestBindings, ctx: ExecutionContext) => Response | Promise<Response>;
  } = app,
): Promise<Response> {
  const headers = new Headers(init.headers);
  // Each request comes from its own client unless the test says otherwise, so rate-limit
  // buckets keyed by IP never fill up across tests.
  if (!headers.has("CF-Connecting-IP")) headers.set("CF-Connecting-IP", randomIp());
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("Content-Type", "application/json");
    body = JSON.stringify(init.json);
  }
  const ctx = createExecutionContext();
  const res = await target.fetch(
    new Request(new URL(path, "http://backline.test"), { ...init, headers, body }),
    bindings,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

/** A fresh request id; the stand-ins count the round trips made under it. */
export function traceId(): string {
  return crypto.randomUUID();
}

export interface RoundTrips {
  neon: number;
  upstash: number;
  stripe: number;
  mail: number;
}

/** Round trips the stand-ins served for one request id. */
export async function roundTrips(trace: string): Promise<RoundTrips> {
  const res = await fetch(`${testEnv.STACK_URL}/_stats/${encodeURIComponent(trace)}`);
  return (await res.json()) as RoundTrips;
}

/** A random client IP, so rate-limit buckets never collide between tests. */
export function randomIp(): string {
  const byte = () => Math.floor(Math.random() * 254) + 1;
  return `10.${byte()}.${byte()}.${byte()}`;
}

/** An address on a closed loopback port: a dependency that is down. */
export const DEAD_URL = "http://127.0.0.1:9";

/** Waits for the start of the next fixed slot of `windowMs`, so a burst of requests lands in one rate-limit window. */
export async function startOfNextWindow(windowMs: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, windowMs - (Date.now() % windowMs) + 20));
}
