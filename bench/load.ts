/** One bounded autocannon run against a loopback URL, reduced to the numbers the report keeps. */
import autocannon from "autocannon";
import { type CpuSample, perRequest, sampleCpu } from "./processes";

export interface LoadSpec {
  url: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  /** Per-request mutation (token rotation, fresh ids); must return the request. */
  setupRequest?: autocannon.Request["setupRequest"];
  onResponse?: autocannon.Request["onResponse"];
  connections: number;
  durationSec: number;
  /** Hard cap on requests, whatever the duration. */
  maxRequests?: number;
}

export interface LoadResult {
  connections: number;
  /** The duration asked for; `elapsedSec` is what autocannon measured. */
  durationSec: number;
  elapsedSec: number;
  requests: number;
  reqPerSec: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** CPU ms per request spent by each process group during the run (Linux only). */
  cpuMsPerRequest?: CpuSample;
}

/** Runs autocannon for a fixed duration (and at most `maxRequests`), never longer than duration + 15 s. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const request: autocannon.Request = { method: spec.method ?? "GET" };
  // autocannon calls any key present, so absent hooks must be absent, not undefined.
  if (spec.headers) request.headers = spec.headers;
  if (spec.body !== undefined) request.body = spec.body;
  if (spec.setupRequest) request.setupRequest = spec.setupRequest;
  if (spec.onResponse) request.onResponse = spec.onResponse;
  // Without a callback autocannon returns its tracker (an EventEmitter), whatever the typings say.
  const instance = autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationSec,
    maxOverallRequests: spec.maxRequests ?? 50_000,
    timeout: 10,
    requests: [request],
  }) as unknown as autocannon.Instance;
  const cpuBefore = sampleCpu();
  const guard = setTimeout(() => instance.stop(), (spec.durationSec + 15) * 1000);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    instance.once("done", resolve);
    instance.once("error", reject);
  }).finally(() => clearTimeout(guard));
  const cpuAfter = sampleCpu();
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {}))
    statusCodes[code] = stat.count ?? 0;
  const total = result.requests.total;
  return {
    connections: spec.connections,
    durationSec: spec.durationSec,
    elapsedSec: result.duration,
    requests: total,
    reqPerSec: round(total / Math.max(result.duration, 0.001)),
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    cpuMsPerRequest: perRequest(cpuBefore, cpuAfter, total),
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
