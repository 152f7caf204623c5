import { createRoute, z } from "@hono/zod-openapi";
import { pingDatabase } from "../../db/queries/health";
import { createRouter } from "../../shared/app";
import { isTimeoutError } from "../../shared/db-errors";
import { problems } from "../../shared/errors";
import { ProblemSchema } from "../../shared/openapi";

/** How long each probe may take; a dependency slower than this reports `down` with reason `timeout`. */
const CHECK_TIMEOUT_MS = 2000;
/** A key never written: EXISTS on it answers 0 when Redis is up. */
const HEALTH_PROBE_KEY = "backline:health-probe";

const CheckSchema = z.object({
  status: z.enum(["ok", "down"]),
  latencyMs: z.number(),
  /** Why a dependency is down: it did not answer within `timeoutMs`, or it answered with an error. */
  reason: z.enum(["timeout", "error"]).optional(),
  timeoutMs: z.number(),
});

const HealthSchema = z
  .object({
    status: z.literal("ok"),
    checks: z.object({ postgres: CheckSchema, redis: CheckSchema }),
  })
  .openapi("Health");

type Check = z.infer<typeof CheckSchema>;

class ProbeTimeout extends Error {}

/** Times one dependency probe against the request's deadline; an error or a timeout reports it down, with the reason. */
async function probe(run: () => Promise<unknown>, deadline: Promise<never>): Promise<Check> {
  const started = performance.now();
  const latencyMs = () => Math.round(performance.now() - started);
  try {
    await Promise.race([run(), deadline]);
    return { status: "ok", latencyMs: latencyMs(), timeoutMs: CHECK_TIMEOUT_MS };
  } catch (error) {
    const reason = error instanceof ProbeTimeout || isTimeoutError(error) ? "timeout" : "error";
    return { status: "down", latencyMs: latencyMs(), reason, timeoutMs: CHECK_TIMEOUT_MS };
  }
}

/**
 * Runs the probes side by side under one deadline: one timer per health check, not one per
 * probe (in workerd's profile a timer cost more than the rest of the route's own code).
 */
async function probeAll<T extends Record<string, () => Promise<unknown>>>(
  runs: T,
): Promise<{ [K in keyof T]: Check }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProbeTimeout()), CHECK_TIMEOUT_MS);
  });
  try {
    const names = Object.keys(runs) as (keyof T)[];
    const checks = await Promise.all(names.map((name) => probe(runs[name] as T[keyof T], deadline)));
    return Object.fromEntries(names.map((name, i) => [name, checks[i]])) as { [K in keyof T]: Check };
  } finally {
    clearTimeout(timer);
  }
}

const getHealth = createRoute({
  method: "get",
  path: "/",
  tags: ["Health"],
  summary: "Reports whether Postgres and Redis answer",
  responses: {
    200: {
      description: "Both dependencies answer",
      content: { "application/json": { schema: HealthSchema } },
    },
    503: {
      description: "A dependency is down",
      content: { "application/problem+json": { schema: ProblemSchema } },
    },
  },
});

export const healthRoutes = createRouter().openapi(getHealth, async (c) => {
  const db = c.get("db");
  const redis = c.get("redis");
  const checks = await probeAll({
    postgres: () => pingDatabase(db),
    // An integer reply: the SDK JSON-parses string replies, and "PONG" throws inside it (an
    // exception per health check, the largest cost in the route's profile).
    redis: () => redis.exists(HEALTH_PROBE_KEY),
  });
  c.header("Cache-Control", "no-store");
  if (checks.postgres.status === "down" || checks.redis.status === "down") {
    const down = Object.entries(checks)
      .filter(([, check]) => check.status === "down")
      .map(([name]) => name);
    throw problems.unavailable({ detail: `Not answering: ${down.join(", ")}.`, extensions: { checks } });
  }
  return c.json({ status: "ok" as const, checks }, 200);
});
