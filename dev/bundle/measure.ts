/**
 * Builds the worker as `wrangler deploy` would (dry run) and measures it: total and gzipped
 * size, and the minified bytes each package or source folder contributes (esbuild metafile).
 * `tsx dev/bundle/measure.ts` prints the table; the bundle test asserts the budget with it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { DEPLOY_SOURCES_DIR } from "./deploy-sources";

export interface BundleMeasure {
  rawBytes: number;
  gzipBytes: number;
  /** Minified bytes in the output per input file, as esbuild's metafile paths them. */
  inputs: Record<string, number>;
  /** index.js itself. */
  code: string;
  /** Every import esbuild resolved: the importing file, the specifier as written, and where it went. */
  imports: { from: string; original: string; path: string }[];
}

interface Metafile {
  inputs: Record<string, { imports: { path: string; original?: string }[] }>;
  outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
}

/** Runs `wrangler deploy --dry-run` in `root` and measures index.js. */
export function measureBundle(root: string): BundleMeasure {
  const outdir = mkdtempSync(join(tmpdir(), "backline-bundle-"));
  try {
    const wrangler = join(root, "node_modules/wrangler/bin/wrangler.js");
    const run = spawnSync(
      process.execPath,
      [wrangler, "deploy", "--dry-run", "--outdir", outdir, "--metafile", join(outdir, "meta.json")],
      { cwd: root, encoding: "utf8", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
    );
    if (run.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${run.stderr || run.stdout}`);
    const code = readFileSync(join(outdir, "index.js"));
    const meta = JSON.parse(readFileSync(join(outdir, "meta.json"), "utf8")) as Metafile;
    const output = Object.entries(meta.outputs).find(([path]) => path.endsWith("index.js"))?.[1];
    const inputs = Object.fromEntries(
      Object.entries(output?.inputs ?? {}).map(([path, { bytesInOutput }]) => [path, bytesInOutput]),
    );
    return {
      rawBytes: code.length,
      gzipBytes: gzipSync(code, { level: 9 }).length,
      inputs,
      code: code.toString("utf8"),
      imports: Object.entries(meta.inputs).flatMap(([from, input]) =>
        input.imports.map(({ path, original }) => ({ from, original: original ?? path, path })),
      ),
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * The package (node_modules/<name>) or source folder (first two path parts) an input belongs to;
 * the deployed copy of the sources (dist/worker/, deploy-sources.ts) counts as the sources.
 */
export function ownerOf(input: string): string {
  const pkg = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1] as string;
  const source = input.startsWith(`${DEPLOY_SOURCES_DIR}/`)
    ? input.slice(DEPLOY_SOURCES_DIR.length + 1)
    : input;
  return source.split("/").slice(0, 2).join("/");
}

/** Minified bytes per package or source folder, largest first. */
export function byOwner(inputs: Record<string, number>): [string, number][] {
  const totals = new Map<string, number>();
  for (const [input, bytes] of Object.entries(inputs)) {
    totals.set(ownerOf(input), (totals.get(ownerOf(input)) ?? 0) + bytes);
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const measure = measureBundle(join(dirname(fileURLToPath(import.meta.url)), "../.."));
  console.log(`index.js: ${measure.rawBytes} B raw, ${measure.gzipBytes} B gzip -9`);
  for (const [owner, bytes] of byOwner(measure.inputs).slice(0, 20)) {
    console.log(`${String(bytes).padStart(9)}  ${owner}`);
  }
}
