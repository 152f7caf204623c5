import type { ServerResponse } from "node:http";
import { type DevRequest, headerValue, sendJson } from "./http-util";

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
export function traceOf(req: DevRequest): string | undefined {
  const header = headerValue(req.headers, TRACE_HEADER);
  if (header) return header;
  const [, prefix, marker, key] = req.url.pathname.split("/");
  if (prefix === "redis" && marker === TRACE_SEGMENT && key) return decodeURIComponent(key);
  const connectionString = headerValue(req.headers, "neon-connection-string");
  if (!connectionString) return undefined;
  try {
    return new URL(connectionString).searchParams.get(TRACE_PARAM) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Counts a request at arrival when it belongs to a metered service. */
export function countRequest(counters: Counters, req: DevRequest): void {
  const service = serviceOf(req.method, req.url.pathname);
  if (service) counters.count(service, traceOf(req));
}

/** Serves GET /_stats, GET /_stats/<trace> and DELETE /_stats. */
export function createStatsHandler(counters: Counters) {
  return async function handleStats(req: DevRequest, res: ServerResponse): Promise<boolean> {
    const { pathname } = req.url;
    if (pathname !== "/_stats" && !pathname.startsWith("/_stats/")) return false;
    const cors = {
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "GET, DELETE, OPTIONS",
      "access-control-allow-headers": "content-type",
    };
    const trace = pathname === "/_stats" ? undefined : decodeURIComponent(pathname.slice("/_stats/".length));
    if (req.method === "OPTIONS") {
      res.writeHead(204, cors);
      res.end();
    } else if (req.method === "GET") {
      sendJson(res, 200, trace === undefined ? { total: counters.totals() } : counters.forTrace(trace), cors);
    } else if (req.method === "DELETE" && trace === undefined) {
      counters.reset();
      sendJson(res, 200, { total: counters.totals() }, cors);
    } else {
      sendJson(res, 405, { error: "method not allowed" }, cors);
    }
    return true;
  };
}
