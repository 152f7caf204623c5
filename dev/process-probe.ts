import { readdirSync, readFileSync } from "node:fs";

/** Pids whose parent is `pid` (from /proc). */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // process exited meanwhile
    }
  }
  return children;
}

/** True while `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Directories the stack's watchdogs are responsible for (the throwaway Postgres cluster). */
export function guardedDirs(pids: number[]): string[] {
  return pids.flatMap((pid) => {
    try {
      return [...readFileSync(`/proc/${pid}/cmdline`, "utf8").matchAll(/rm -rf '([^']+)'/g)].map(
        (m) => m[1] ?? "",
      );
    } catch {
      return [];
    }
  });
}

/** Polls `predicate` every 100 ms until it holds or `timeoutMs` passes; returns its last value. */
export async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (predicate()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return predicate();
}
