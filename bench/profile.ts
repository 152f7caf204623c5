/**
 * Summarizes a V8 CPU profile (`.cpuprofile`, as node --cpu-prof or the inspector writes it):
 * self time per function and per package, in ms per request, heaviest first.
 * `tsx bench/profile.ts <file.cpuprofile> [requests]` prints the same summary for any profile.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a function comes from: an npm package, one of our folders, or Node itself. */
function origin(url: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  if (!url) return "(vm)";
  if (url.startsWith("node:")) return "node:";
  const own = /\/(functions|shared|db|bench|dev)\//.exec(url);
  return own ? `${own[1]}/` : "other";
}

/** The top `limit` functions and every package by self time, in ms per request. */
export function summarizeProfile(profile: CpuProfile, requests: number, limit = 30): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const fns = new Map<string, number>();
  const pkgs = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = (byId.get(id) as ProfileNode).callFrame;
    const where = url ? `${url.replace(/^.*?(node_modules\/|\/wt-[^/]+\/)/, "")}:${lineNumber + 1}` : "";
    const key = `${functionName || "(anonymous)"} ${where}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    const pkg = origin(url);
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + us);
  }
  const line = (name: string, us: number) =>
    `${(us / 1000 / requests).toFixed(3).padStart(7)} ms  ${((us / total) * 100).toFixed(1).padStart(5)}%  ${name}`;
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return [
    `total ${(total / 1000 / requests).toFixed(3)} ms/request sampled`,
    "by origin:",
    ...sorted(pkgs).map(([k, v]) => line(k, v)),
    "top functions (self):",
    ...sorted(fns)
      .slice(0, limit)
      .map(([k, v]) => line(k, v)),
  ].join("\n");
}

if (process.argv[1]?.endsWith("profile.ts") && process.argv[2]) {
  const profile = JSON.parse(readFileSync(process.argv[2], "utf8")) as CpuProfile;
  console.log(summarizeProfile(profile, Number(process.argv[3] ?? 1)));
}
