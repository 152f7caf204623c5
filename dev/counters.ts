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

/** Middleware counting each request at arrival when it belongs to a metered service. */
export function countRequests(counters: Counters): MiddlewareHandler {
  return async function countRequest(c, next) {
    const service = serviceOf(c.req.method, c.req.path);
    if (service)
      counters.count(
        service,
        traceOf(c.req.path, (name) => c.req.header(name)),
      );
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
