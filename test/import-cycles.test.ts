/**
 * The worker's and the SDK's modules import each other without cycles, type-only imports
 * included: layers point down (functions/ → shared/ → db/), and a cycle is how that breaks first.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const roots = ["functions", "shared", "db", "client/src"];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(name) && !/\.(test|d)\.ts$/.test(name) ? [path] : [];
  });
}

/** Relative imports and re-exports of a module, `import type` included, resolved to files. */
function importsOf(file: string): string[] {
  const source = readFileSync(file, "utf8");
  const specifiers = [...source.matchAll(/(?:import|export)\s[^;]*?\sfrom\s+["'](\.[^"']+)["']/g)].map(
    (m) => m[1] as string,
  );
  return specifiers.flatMap((spec) => {
    const base = resolve(dirname(file), spec);
    const found = [`${base}.ts`, join(base, "index.ts"), base].find(
      (p) => existsSync(p) && statSync(p).isFile(),
    );
    return found?.endsWith(".ts") ? [found] : [];
  });
}

/** Every cycle reachable in the graph, each as the list of files around it. */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, "open");
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles;
}

describe("module graph", () => {
  const files = roots.flatMap((dir) => sourceFiles(join(root, dir)));
  const graph = new Map(files.map((file) => [file, importsOf(file)]));

  it("reads the imports it checks", () => {
    expect(files.length).toBeGreaterThan(50);
    expect(graph.get(join(root, "functions/index.ts"))).toContain(join(root, "shared/app.ts"));
  });

  it("finds a cycle when there is one", () => {
    expect(
      findCycles(
        new Map([
          ["a", ["b"]],
          ["b", ["c"]],
          ["c", ["a"]],
        ]),
      ),
    ).toEqual([["a", "b", "c", "a"]]);
  });

  it("has no import cycles, type-only imports included", () => {
    const cycles = findCycles(graph).map((cycle) => cycle.map((f) => relative(root, f)).join(" → "));
    expect(cycles).toEqual([]);
  });
});
