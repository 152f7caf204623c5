import { Hono, type MiddlewareHandler } from "hono";
import { cors } from "hono/cors";

/** The metered stand-ins. */
export type Service = "neon" | "upstash" | "stripe" | "mail";

/** Round trips per service. */
export type ServiceCounts = Record<Service, number>;

/** Header the worker (local mode) and tests set to attribute round trips to one API request. */
export const TRACE_HEADER = "x-backline-trace";
/** Query parameter of the Neon connection string that carries a trace key (neon() sends the URL as a header). */
export const TRACE_PARAM = "backline_trace";
/** Path segment before a trace key in Upstash URLs: `/redis/~trace/<key>/…` (the SDK has no per-client headers). */
export const TRACE_SEGMENT = "~trace";

const MAX_TRACES = 50_000;

/**
 * Markers in a trace key that make the Upstash stand-in misbehave for one request, so tests can
 * see what the worker does: hold its answer until the same request's first Neon round trip has
 * arrived (at most HOLD_MAX_MS), and/or then fail it as an Upstash outage would (HTTP 500).
 */
export const HOLD_UPSTASH_UNTIL_NEON = "hold-upstash-until-neon-";
export const FAIL_UPSTASH = "fail-upstash-";
/** Longer than the worker's Redis timeout: a worker that waits for Upstash before Neon times out first. */
export const HOLD_MAX_MS = 3000;

function zeroCounts(): ServiceCounts {
  return { neon: 0, upstash: 0, stripe: 0, mail: 0 };
}

/** Which service a request is billed to, if any. */
export function serviceOf(method: string, pathname: string): Service | undefined {
  if (pathname === "/sql") return "neon";
  if (pathname === "/redis" || pathname.startsWith("/redis/")) return "upstash";
  if (pathname.startsWith("/v1/")) return "stripe";
  if (method === "POST" && pathname === "/mailbox/messages") return "mail";
  return undefined;
}

/** Global and per-trace round-trip counters. */
export class Counters {
  private total = zeroCounts();
  private readonly traces = new Map<string, ServiceCounts>();
  private readonly waiting = new Map<string, (() => void)[]>();

  /** Counts one round trip to a service, globally and under its trace key. */
  count(service: Service, trace: string | undefined): void {
    this.total[service] += 1;
    if (trace === undefined || trace === "") return;
    let counts = this.traces.get(trace);
    if (!counts) {
      if (this.traces.size >= MAX_TRACES) {
        const oldest = this.traces.keys().next().value;
        if (oldest !== undefined) this.traces.delete(oldest);
      }
      counts = zeroCounts();
      this.traces.set(trace, counts);
    }
    counts[service] += 1;
    const key = `${service} ${trace}`;
    for (const wake of this.waiting.get(key) ?? []) wake();
    this.waiting.delete(key);
  }

  /** Resolves once a round trip to `service` has arrived under `trace`, or after `maxMs`. */
  arrival(service: Service, trace: string, maxMs: number): Promise<void> {
    if (this.forTrace(trace)[service] > 0) return Promise.resolve();
    return new Promise((resolve) => {
      const key = `${service} ${trace}`;
      const timer = setTimeout(resolve, maxMs);
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiting.set(key, [...(this.waiting.get(key) ?? []), wake]);
    });
  }

  /** Totals since start or the last reset. */
  totals(): ServiceCounts {
    return { ...this.total };
  }

  /** Counts for one trace key (zeros when unknown). */
  forTrace(trace: string): ServiceCounts {
    return { ...(this.traces.get(trace) ?? zeroCounts()) };
  }

  /** Forgets everything. */
  reset(): void {
    this.total = zeroCounts();
    this.traces.clear();
  }
}

/** The trace key of a request: header, Upstash `~trace` path segment, or Neon connection-string parameter. */
export function traceOf(pathname: string, header: (name: string) => string | undefined): string | undefined {
  const traced = header(TRACE_HEADER);
  if (traced) return traced;
  const [, prefix, marker, key] = pathname.split("/");
  if (prefix === "redis" && marker === TRACE_SEGMENT && key) return decodeURIComponent(key);
  const connectionString = header("neon-connection-string");
  if (!connectionString) return undefined;
  try {
    return new URL(connectionString).searchParams.get(TRACE_PARAM) ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * Middleware counting each request at arrival when it belongs to a metered service, then
 * holding or failing an Upstash call whose trace key asks for it (HOLD_UPSTASH_UNTIL_NEON, FAIL_UPSTASH).
 */
export function countRequests(counters: Counters): MiddlewareHandler {
  return async function countRequest(c, next) {
    const service = serviceOf(c.req.method, c.req.path);
    const trace = service && traceOf(c.req.path, (name) => c.req.header(name));
    if (service) counters.count(service, trace);
    if (service === "upstash" && trace?.includes(HOLD_UPSTASH_UNTIL_NEON)) {
      await counters.arrival("neon", trace, HOLD_MAX_MS);
    }
    if (service === "upstash" && trace?.includes(FAIL_UPSTASH)) {
      return c.json({ error: "ERR the stand-in failed this call as asked (trace key)" }, 500);
    }
    await next();
  };
}

/** GET /_stats, GET /_stats/<trace> and DELETE /_stats. */
export function statsApp(counters: Counters): Hono {
  const app = new Hono();
  const allow = cors({
    origin: "*",
    allowMethods: ["GET", "DELETE", "OPTIONS"],
    allowHeaders: ["content-type"],
  });
  app.use("/_stats", allow);
  app.use("/_stats/*", allow);
  app.get("/_stats", (c) => c.json({ total: counters.totals() }));
  app.get("/_stats/:trace", (c) => c.json(counters.forTrace(c.req.param("trace"))));
  app.delete("/_stats", (c) => {
    counters.reset();
    return c.json({ total: counters.totals() });
  });
  app.all("/_stats/*", (c) => c.json({ error: "method not allowed" }, 405));
  app.all("/_stats", (c) => c.json({ error: "method not allowed" }, 405));
  return app;
}
