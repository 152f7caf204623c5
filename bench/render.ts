/** Re-renders bench/results/latest.{md,svg} from latest.json without running the benchmark: `npx tsx bench/render.ts`. */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BenchResults, renderChart, renderMarkdown } from "./report";

const dir = join(dirname(fileURLToPath(import.meta.url)), "results");
const results = JSON.parse(readFileSync(join(dir, "latest.json"), "utf8")) as BenchResults;
writeFileSync(join(dir, "latest.md"), renderMarkdown(results));
writeFileSync(join(dir, "latest.svg"), renderChart(results));
