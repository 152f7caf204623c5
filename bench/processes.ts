/**
 * Where a load run's CPU goes, per process group: the bench process itself (autocannon and the
 * in-process stand-ins), workerd (the worker under test), PostgreSQL and redis-server.
 * Read from /proc (Linux): utime + stime of every process, summed by group, before and after a
 * run. Only this process and its descendants count (the stack, the wranglers and their workerd),
 * plus the stack's PostgreSQL (pg_ctl detaches it: its postmaster runs a `backline-pg-*` data
 * dir), so other work on the machine stays out; run it on a quiet machine all the same, as
 * another suite's cluster would count too. Elsewhere `sampleCpu` returns undefined and the report
 * leaves the columns out.
 */
import { readdirSync, readFileSync } from "node:fs";

export type ProcessGroup = "bench" | "workerd" | "postgres" | "redis" | "other";
export type CpuSample = Record<ProcessGroup, number>;

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux the bench runs on

function groupOf(pid: number, comm: string): ProcessGroup {
  if (pid === process.pid) return "bench";
  if (comm === "workerd") return "workerd";
  if (comm.startsWith("postgres") || comm.startsWith("postmaster")) return "postgres";
  if (comm.startsWith("redis-server")) return "redis";
  return "other";
}

/** CPU seconds used so far by each group (processes that exited since are not counted). */
export function sampleCpu(): CpuSample | undefined {
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((entry) => /^\d+$/.test(entry));
  } catch {
    return undefined;
  }
  const processes = new Map<number, { parent: number; comm: string; seconds: number }>();
  for (const entry of entries) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid …": comm may hold spaces, so split after its closing parenthesis.
    const close = stat.lastIndexOf(")");
    const fields = stat.slice(close + 2).split(" ");
    processes.set(Number(entry), {
      comm: stat.slice(stat.indexOf("(") + 1, close),
      parent: Number(fields[1]),
      // utime and stime, fields 14 and 15 of stat(5)
      seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
    });
  }
  const roots = new Set([process.pid]);
  for (const [pid, { comm, parent }] of processes) {
    if (comm === "postgres" && parent === 1 && isBacklineCluster(pid)) roots.add(pid);
  }
  const ours = (pid: number): boolean => {
    for (let at = pid, hops = 0; at > 1 && hops < 64; hops++) {
      if (roots.has(at)) return true;
      at = processes.get(at)?.parent ?? 0;
    }
    return false;
  };
  const sample: CpuSample = { bench: 0, workerd: 0, postgres: 0, redis: 0, other: 0 };
  for (const [pid, { comm, seconds }] of processes) {
    if (ours(pid)) sample[groupOf(pid, comm)] += seconds;
  }
  return sample;
}

function isBacklineCluster(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("backline-pg-");
  } catch {
    return false;
  }
}

/** CPU milliseconds per request of each group between two samples. */
export function perRequest(
  before: CpuSample | undefined,
  after: CpuSample | undefined,
  requests: number,
): CpuSample | undefined {
  if (!before || !after || requests <= 0) return undefined;
  const ms = (group: ProcessGroup) =>
    Math.round((Math.max(0, after[group] - before[group]) / requests) * 1000 * 100) / 100;
  return {
    bench: ms("bench"),
    workerd: ms("workerd"),
    postgres: ms("postgres"),
    redis: ms("redis"),
    other: ms("other"),
  };
}
