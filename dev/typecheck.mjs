#!/usr/bin/env node
/**
 * `npm run typecheck`: `tsc --noEmit` on each TypeScript project, as many at a time as the machine
 * has cores. Each run spends most of its 30-40 s checking on one core, so one after the other
 * left the second core idle. A project's output is printed whole when it ends; the exit code is
 * non-zero when any project fails.
 */
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";

/**
 * The worker's code (Workers types), and everything that runs in Node or a browser: dev/, the
 * tests' Node side, bench/ and client/. bench/ and client/ keep their own tsconfig (editors, the
 * SDK's declaration build) with the same options, extending tsconfig.node.json; checked in its
 * one program, the worker's types they import are checked once instead of three times (4
 * programs, 67 s of CPU, now 2).
 */
const PROJECTS = ["tsconfig.json", "tsconfig.node.json"];
const root = fileURLToPath(new URL("..", import.meta.url));
const tsc = fileURLToPath(new URL("../node_modules/typescript/bin/tsc", import.meta.url));

function check(project) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [tsc, "--noEmit", "-p", project], { cwd: root });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("close", (code) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      console.log(`[typecheck] ${project}: ${code === 0 ? "ok" : "FAILED"} in ${seconds} s`);
      if (output) process.stdout.write(output);
      resolve(code === 0);
    });
  });
}

const queue = [...PROJECTS];
const results = await Promise.all(
  Array.from({ length: Math.min(availableParallelism(), queue.length) }, async () => {
    let ok = true;
    for (let project = queue.shift(); project; project = queue.shift()) ok = (await check(project)) && ok;
    return ok;
  }),
);
process.exit(results.every(Boolean) ? 0 : 1);
