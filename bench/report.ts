/** Renders the benchmark results as Markdown and as a hand-written SVG bar chart. */
import type { CpuOutput, CpuRow } from "./cpu";
import type { LoadResult } from "./load";

export type Service = "neon" | "upstash" | "stripe" | "mail";

export interface Budget {
  neon?: number;
  upstash?: number;
  /** Budgets written "≤ N" (an upper bound) rather than an exact count. */
  atMost?: boolean;
}

/** One run's latency and throughput over another's. */
export interface LoadRatios {
  p50: number;
  p99: number;
  throughput: number;
}

export interface LoadPair {
  connections: number;
  backline: LoadResult;
  floor: LoadResult;
  ratio: LoadRatios;
  /** The stack floor (bench/stack-floor) on the same requests, for the endpoints it mirrors. */
  stackFloor?: LoadResult;
  /** Backline ÷ stack floor, and stack floor ÷ floor. */
  stackRatio?: { backline: LoadRatios; floor: LoadRatios };
}

export interface EndpointResult {
  name: string;
  method: string;
  path: string;
  budget: Budget;
  roundTrips: Record<Service, number>;
  probeStatus: number;
  runs: LoadPair[];
  notes: string[];
  /** The stack floor's route mirroring this endpoint, and what one request to it made. */
  stackFloor?: { path: string; roundTrips: Record<Service, number>; probeStatus: number };
}

export interface BenchResults {
  startedAt: string;
  totalSec: number;
  machine: { cpus: number; node: string; postgres: string; redis: string };
  settings: { durationSec: number; connections: number[] };
  endpoints: EndpointResult[];
  bundle?: {
    rawBytes: number;
    gzipBytes: number;
    files: number;
    /** The largest packages or source folders, minified bytes each. */
    parts?: [string, number][];
    error?: string;
  };
  startup?: {
    samplesMs: number[];
    medianMs: number;
    firstMs: number[];
    warmMs: number[];
    bootMs: number[];
    error?: string;
  };
  cpu?: CpuOutput;
  toAdd: string[];
}

const fmt = (n: number | undefined, digits = 1) =>
  n === undefined || Number.isNaN(n) ? "–" : n.toFixed(digits).replace(/\.0+$/, "");

/** The main thread's CPU, the floor's and Backline's share (results from before it was measured have none). */
function mainThread(row: CpuRow): string {
  if (row.threadCpuMs === undefined) return "";
  const floor =
    row.floorThreadCpuMs === undefined
      ? ""
      : ` / ${fmt(row.floorThreadCpuMs, 2)} / ${fmt(row.appThreadCpuMs, 2)}`;
  return `${fmt(row.threadCpuMs, 2)}${floor}`;
}

function budgetCell(measured: number, budget: number | undefined, atMost?: boolean): string {
  if (budget === undefined) return `${measured}`;
  const over = measured > budget;
  return `${measured} / ${atMost ? "≤" : ""}${budget}${over ? " **over**" : ""}`;
}

/** The report as Markdown: one table of round trips, one of latency against the floor, then bundle, startup, CPU. */
export function renderMarkdown(r: BenchResults): string {
  const lines: string[] = [];
  lines.push("# Backline benchmark", "");
  lines.push(
    `Run ${r.startedAt}, ${fmt(r.totalSec, 0)} s in all, on ${r.machine.cpus} cores, Node ${r.machine.node}, ` +
      `${r.machine.postgres}, ${r.machine.redis}. \`wrangler dev\` (workerd) on loopback against the dev/ stand-ins; ` +
      `autocannon for ${r.settings.durationSec} s per run unless noted. Timings are reported, never asserted.`,
    "",
  );
  lines.push("## Round trips per request (measured / budget)", "");
  lines.push(
    "| Endpoint | Status | Neon | Upstash | Stripe | Mail |",
    "| --- | --- | --- | --- | --- | --- |",
  );
  for (const e of r.endpoints) {
    lines.push(
      `| \`${e.method} ${e.path}\` | ${e.probeStatus} | ${budgetCell(e.roundTrips.neon, e.budget.neon, e.budget.atMost)} | ` +
        `${budgetCell(e.roundTrips.upstash, e.budget.upstash, e.budget.atMost)} | ${e.roundTrips.stripe} | ${e.roundTrips.mail} |`,
    );
  }
  lines.push("", "## Latency and throughput against the floor", "");
  lines.push(
    "The floor is a bare worker making the same number of raw `fetch` calls to the same Neon and Upstash stand-ins. " +
      "Ratios are Backline ÷ floor (latency: lower is better; throughput: higher is better).",
    "",
  );
  lines.push(
    "| Endpoint | Conns | Backline p50 / p90 / p99 ms | Backline req/s | Floor p50 / p90 / p99 ms | Floor req/s | ×p50 | ×p99 | ×req/s | Non-2xx |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const e of r.endpoints) {
    for (const run of e.runs) {
      const b = run.backline;
      const f = run.floor;
      lines.push(
        `| ${e.name} | ${run.connections} | ${fmt(b.p50)} / ${fmt(b.p90)} / ${fmt(b.p99)} | ${fmt(b.reqPerSec, 0)} | ` +
          `${fmt(f.p50)} / ${fmt(f.p90)} / ${fmt(f.p99)} | ${fmt(f.reqPerSec, 0)} | ${fmt(run.ratio.p50, 2)} | ` +
          `${fmt(run.ratio.p99, 2)} | ${fmt(run.ratio.throughput, 2)} | ${b.non2xx + b.errors}${b.durationSec !== r.settings.durationSec ? ` (${fmt(b.durationSec, 0)} s run)` : ""} |`,
      );
    }
  }
  const notes = r.endpoints.flatMap((e) => e.notes.map((n) => `- ${e.name}: ${n}`));
  if (notes.length) lines.push("", ...notes);
  lines.push(...stackFloorTable(r));
  lines.push(...processTable(r));
  lines.push("", "## Bundle and startup", "");
  if (r.bundle?.error) lines.push(`- Bundle: not measured (${r.bundle.error})`);
  else if (r.bundle)
    lines.push(
      `- Bundle (\`wrangler deploy --dry-run\`, ${r.bundle.files} files): ${fmt(r.bundle.rawBytes / 1024)} KiB raw, ` +
        `${fmt(r.bundle.gzipBytes / 1024)} KiB gzipped.`,
    );
  if (r.bundle?.parts?.length)
    lines.push(
      `- Largest parts (minified KiB): ${r.bundle.parts.map(([part, bytes]) => `${part} ${fmt(bytes / 1024)}`).join(", ")}.`,
    );
  if (r.startup?.error) lines.push(`- Startup: not measured (${r.startup.error})`);
  else if (r.startup)
    lines.push(
      `- Startup (first \`/api/health\` on a fresh \`wrangler dev\` minus a warm one, median of ${r.startup.samplesMs.length}): ` +
        `${fmt(r.startup.medianMs)} ms (samples ${r.startup.samplesMs.map((s) => fmt(s)).join(", ")} ms; ` +
        `spawn to first answer ${r.startup.bootMs.map((s) => fmt(s / 1000)).join(", ")} s).`,
    );
  lines.push("", "## CPU per request (in-process, Node 22)", "");
  if (!r.cpu?.ok) lines.push(`Not measured: ${r.cpu?.error ?? "skipped"}.`);
  else {
    lines.push(
      "`app.fetch` imported into Node 22 and called sequentially against the stand-ins (which run in another process). " +
        "CPU is the process's user + system time per request and includes the fetch client's work; wall includes the round trips. " +
        "Floor is bench/floor/worker.ts making the same Neon and Upstash round trips in the same process; app is CPU minus floor, Backline's own work. " +
        "Main thread is the same on the main thread alone: without V8's background compiler and GC helpers, which move the process figure between runs, " +
        "and without the libuv pool, where Node runs scrypt and Web Crypto's calls, which workerd runs on the request's thread (so sign-in's main-thread figure leaves out its hash).",
      "",
      "| Endpoint | Requests | CPU ms/req | Floor CPU ms/req | App CPU ms/req | Main thread: CPU / floor / app ms/req | Wall ms/req | Statuses |",
      "| --- | --- | --- | --- | --- | --- | --- | --- |",
    );
    for (const row of r.cpu.rows)
      lines.push(
        `| ${row.name} | ${row.iterations} | ${fmt(row.cpuMs, 2)} | ${row.floorCpuMs === undefined ? "" : fmt(row.floorCpuMs, 2)} | ` +
          `${row.appCpuMs === undefined ? "" : fmt(row.appCpuMs, 2)} | ${mainThread(row)} | ${fmt(row.wallMs, 2)} | ${Object.entries(
            row.statuses,
          )
            .map(([s, n]) => `${s}×${n}`)
            .join(
              " ",
            )}${row.failure ? ` (first failure: ${row.failure.replace(/\|/g, "\\|").slice(0, 120)})` : ""} |`,
      );
    const h = r.cpu.hash;
    if (h)
      lines.push(
        "",
        `Password hashing (scrypt N=2^14, r=8, p=5, \`shared/crypto.ts\`), ${h.iterations} each: hash ${fmt(h.hashCpuMs)} ms CPU ` +
          `(${fmt(h.hashWallMs)} ms wall), verify ${fmt(h.verifyCpuMs)} ms CPU (${fmt(h.verifyWallMs)} ms wall). ` +
          "Sign-up and sign-in rows above include one of these.",
      );
  }
  if (r.toAdd.length) lines.push("", "## To add when they land", "", ...r.toAdd.map((t) => `- ${t}`));
  lines.push("", "Reproduce: `npm run bench` (writes bench/results/latest.{json,md,svg}).", "");
  return lines.join("\n");
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The chart file: one panel per concurrency level, stacked. */
export function renderChart(r: BenchResults): string {
  return stackSvgs(r.settings.connections.map((c) => renderSvg(r, c)));
}

/** Puts several chart SVGs one above the other in one document. */
function stackSvgs(svgs: string[]): string {
  let y = 0;
  let width = 0;
  const parts = svgs.map((svg) => {
    const w = Number(/width="(\d+(?:\.\d+)?)"/.exec(svg)?.[1] ?? 0);
    const h = Number(/height="(\d+(?:\.\d+)?)"/.exec(svg)?.[1] ?? 0);
    const part = svg.replace("<svg ", `<svg x="0" y="${y}" `);
    y += h;
    width = Math.max(width, w);
    return part;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}">\n${parts.join("\n")}\n</svg>\n`;
}

/** Grouped bars per endpoint at one concurrency: Backline p50, floor p50, Backline p99, floor p99 (log-free, linear ms). */
export function renderSvg(r: BenchResults, connections: number): string {
  const rows = r.endpoints
    .map((e) => ({ name: e.name, run: e.runs.find((x) => x.connections === connections) ?? e.runs.at(-1) }))
    .filter((x): x is { name: string; run: LoadPair } => x.run !== undefined);
  const series = [
    { label: "Backline p50", color: "#2563eb", pick: (p: LoadPair) => p.backline.p50 },
    { label: "Floor p50", color: "#93c5fd", pick: (p: LoadPair) => p.floor.p50 },
    { label: "Backline p99", color: "#dc2626", pick: (p: LoadPair) => p.backline.p99 },
    { label: "Floor p99", color: "#fca5a5", pick: (p: LoadPair) => p.floor.p99 },
  ];
  const max = Math.max(1, ...rows.flatMap((row) => series.map((s) => s.pick(row.run))));
  const step = niceStep(max / 5);
  const top = Math.ceil(max / step) * step;
  const bar = 16;
  const groupGap = 28;
  const left = 60;
  const plotTop = 60;
  const plotHeight = 300;
  const groupWidth = series.length * bar + groupGap;
  const width = left + rows.length * groupWidth + 20;
  const height = plotTop + plotHeight + 70;
  const y = (v: number) => plotTop + plotHeight - (v / top) * plotHeight;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="bold">Backline vs floor: latency at ${connections} connection${connections === 1 ? "" : "s"} (ms)</text>`,
  );
  series.forEach((s, i) => {
    const x = left + i * 110;
    out.push(
      `<rect x="${x}" y="32" width="10" height="10" fill="${s.color}"/>`,
      `<text x="${x + 14}" y="41">${s.label}</text>`,
    );
  });
  for (let v = 0; v <= top + 1e-9; v += step) {
    out.push(
      `<line x1="${left}" x2="${width - 10}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/>`,
      `<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${fmt(v)}</text>`,
    );
  }
  rows.forEach((row, g) => {
    const x0 = left + g * groupWidth + groupGap / 2;
    series.forEach((s, i) => {
      const v = s.pick(row.run);
      out.push(
        `<rect x="${x0 + i * bar}" y="${y(v)}" width="${bar - 2}" height="${Math.max(0, y(0) - y(v))}" fill="${s.color}"><title>${esc(row.name)} ${s.label}: ${fmt(v)} ms</title></rect>`,
      );
    });
    out.push(
      `<text x="${x0 + (series.length * bar) / 2}" y="${plotTop + plotHeight + 16}" text-anchor="middle">${esc(row.name)}${row.run.connections === connections ? "" : ` (${row.run.connections} conn)`}</text>`,
      `<text x="${x0 + (series.length * bar) / 2}" y="${plotTop + plotHeight + 30}" text-anchor="middle" fill="#6b7280">×${fmt(row.run.ratio.p50, 2)} p50</text>`,
    );
  });
  out.push(`<line x1="${left}" x2="${width - 10}" y1="${y(0)}" y2="${y(0)}" stroke="#111"/>`, "</svg>");
  return out.join("\n");
}

function niceStep(raw: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (raw <= m * magnitude) return m * magnitude;
  return 10 * magnitude;
}

/**
 * CPU ms per request by process during each load run: what the machine spent on one request,
 * Backline's beside the floor's. The bench process runs autocannon and the stand-ins.
 */
function processTable(r: BenchResults): string[] {
  const runs = r.endpoints.flatMap((e) => e.runs.map((run) => ({ name: e.name, run })));
  if (!runs.some(({ run }) => run.backline.cpuMsPerRequest)) return [];
  const cell = (s: LoadResult["cpuMsPerRequest"]) =>
    s
      ? `${fmt(s.workerd, 2)} / ${fmt(s.bench, 2)} / ${fmt(s.postgres, 2)} / ${fmt(s.redis, 2)} / ${fmt(s.other, 2)}`
      : "–";
  const total = (s: LoadResult["cpuMsPerRequest"]) =>
    s ? s.workerd + s.bench + s.postgres + s.redis + s.other : Number.NaN;
  return [
    "",
    "## Machine CPU per request, by process",
    "",
    "CPU ms per request during each run (Linux `/proc`): workerd / bench process (autocannon and the " +
      "in-process Neon and Upstash stand-ins) / PostgreSQL / redis-server / everything else.",
    "",
    "| Endpoint | Conns | Backline | Floor | Total Backline ÷ floor |",
    "| --- | --- | --- | --- | --- |",
    ...runs.map(
      ({ name, run }) =>
        `| ${name} | ${run.connections} | ${cell(run.backline.cpuMsPerRequest)} | ${cell(run.floor.cpuMsPerRequest)} | ` +
        `${fmt(total(run.backline.cpuMsPerRequest) / total(run.floor.cpuMsPerRequest), 2)} |`,
    ),
  ];
}

const workerd = (s: LoadResult | undefined) => s?.cpuMsPerRequest?.workerd;
const cpuRatio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || b <= 0 ? Number.NaN : a / b;

/**
 * The stack floor beside Backline and the floor: how much of Backline's cost over the floor is the
 * fixed stack's own minimum (stack floor ÷ floor) and how much is Backline's (Backline ÷ stack floor).
 * Latency from the load runs, workerd CPU per request from /proc during each run.
 */
function stackFloorTable(r: BenchResults): string[] {
  const mirrored = r.endpoints.filter((e) => e.stackFloor && e.runs.some((run) => run.stackFloor));
  if (!mirrored.length) return [];
  const lines = [
    "",
    "## Stack floor: what the fixed stack itself costs",
    "",
    "The stack floor (bench/stack-floor/worker.ts) is a plain Hono app on the same stack (drizzle-orm on Neon HTTP, " +
      "@upstash/redis and @upstash/ratelimit, hono/jwt, zod, stripe), doing the least that stack allows for the same round trips " +
      "(reads and creates: a JWT check, a sliding-window limit and a revocation EXISTS in one pipelined Upstash call, one " +
      "drizzle statement, `c.json`; refresh: a per-IP limit, one `update … returning` rotating the token's hash, a signed " +
      "access token; webhook: the stripe package's signature check, then the ledger insert, subscription upsert and tier " +
      "update in one drizzle batch), sent the same requests right after the floor (refresh: sessions of its own). " +
      "Stack floor ÷ floor is the stack's own cost; " +
      "Backline ÷ stack floor is what Backline adds on top. Workerd CPU is ms per request of workerd processes during the run.",
    "",
    "| Endpoint | Stack route (round trips) | Conns | Stack floor p50 / p90 / p99 ms | Stack floor req/s | " +
      "Stack ÷ floor p50 / p99 | Backline ÷ stack p50 / p99 / req/s | Workerd CPU ms/req Backline / stack / floor | " +
      "CPU Backline ÷ stack / stack ÷ floor |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const e of mirrored) {
    const sf = e.stackFloor as NonNullable<EndpointResult["stackFloor"]>;
    const route = `\`${e.method} ${sf.path}\` ${sf.probeStatus} (${sf.roundTrips.neon}n ${sf.roundTrips.upstash}u)`;
    for (const run of e.runs) {
      const s = run.stackFloor;
      const q = run.stackRatio;
      if (!s || !q) continue;
      const [b, st, f] = [workerd(run.backline), workerd(s), workerd(run.floor)];
      lines.push(
        `| ${e.name} | ${route} | ${run.connections} | ${fmt(s.p50)} / ${fmt(s.p90)} / ${fmt(s.p99)} | ${fmt(s.reqPerSec, 0)} | ` +
          `${fmt(q.floor.p50, 2)} / ${fmt(q.floor.p99, 2)} | ` +
          `${fmt(q.backline.p50, 2)} / ${fmt(q.backline.p99, 2)} / ${fmt(q.backline.throughput, 2)} | ` +
          `${fmt(b, 2)} / ${fmt(st, 2)} / ${fmt(f, 2)} | ${fmt(cpuRatio(b, st), 2)} / ${fmt(cpuRatio(st, f), 2)} |`,
      );
    }
  }
  return lines;
}
