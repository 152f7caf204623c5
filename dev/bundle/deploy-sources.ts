/**
 * The worker's sources as `wrangler deploy` bundles them: a copy of functions/, shared/ and db/
 * in dist/worker/ without the OpenAPI documentation the deployed worker never reads (11 KB of
 * the gzipped bundle). The document is generated from the sources themselves at build time
 * (prebuild.ts) and served from the static assets; at run time @hono/zod-openapi reads a
 * route's method, path, request schemas and middleware, never its summary, description, tags,
 * security or responses, and the worker's zod-to-openapi keeps no schema metadata
 * (shared/vendor/zod-to-openapi.ts): `.openapi("Name", { description, example })` goes too.
 *
 * What is dropped is blanked in place (spaces, newlines kept), so every line and column of the
 * copy is the source's: stack traces mapped through the uploaded source maps point at the right
 * line, under dist/worker/. wrangler.toml's top-level `main` is the copy and `[build]` writes it
 * (prebuild.ts); `[env.dev]` (npm run dev, the tests, the benchmark) runs the sources themselves.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** Where the copy is: wrangler.toml's top-level `main` is its functions/index.ts. */
export const DEPLOY_SOURCES_DIR = "dist/worker";

/** The folders the worker's code lives in. */
const SOURCE_DIRS = ["functions", "shared", "db"];

/** Properties of a `createRoute({...})` that only the OpenAPI document reads. */
const ROUTE_DOCS = new Set(["summary", "description", "tags", "security", "responses"]);

/** The spans of `text` that are OpenAPI documentation: `[start, end)` offsets. */
function documentationSpans(text: string, file: string): [number, number][] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const spans: [number, number][] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      if (isRouteDefinition(node))
        spans.push(...routeDocSpans(node.arguments[0] as ts.ObjectLiteralExpression, source));
      else if (isSchemaMetadata(node))
        spans.push([(node.expression as ts.PropertyAccessExpression).expression.end, node.end]);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return spans;
}

/** `createRoute({ ... })`. */
function isRouteDefinition(call: ts.CallExpression): boolean {
  const [config] = call.arguments;
  return (
    ts.isIdentifier(call.expression) &&
    call.expression.text === "createRoute" &&
    config !== undefined &&
    ts.isObjectLiteralExpression(config)
  );
}

/**
 * A schema's `.openapi("Name")`, `.openapi({ description, example })` or both: literals only,
 * unlike a router's `.openapi(route, handler)`.
 */
function isSchemaMetadata(call: ts.CallExpression): boolean {
  return (
    ts.isPropertyAccessExpression(call.expression) &&
    call.expression.name.text === "openapi" &&
    call.arguments.length > 0 &&
    call.arguments.every((a) => ts.isStringLiteral(a) || ts.isObjectLiteralExpression(a))
  );
}

/** The documentation properties of a route definition, each with the comma after it. */
function routeDocSpans(config: ts.ObjectLiteralExpression, source: ts.SourceFile): [number, number][] {
  const properties = config.properties;
  return properties.flatMap((property, i): [number, number][] => {
    const name = property.name;
    if (!name || !ts.isIdentifier(name) || !ROUTE_DOCS.has(name.text)) return [];
    const next = properties[i + 1];
    const comma = properties.hasTrailingComma ? source.text.indexOf(",", property.end) + 1 : property.end;
    return [[property.getStart(source), next ? next.getStart(source) : comma]];
  });
}

/** `text` with its OpenAPI documentation blanked: same length, same line breaks. */
export function withoutOpenApiDocs(text: string, file: string): string {
  const chars = text.split("");
  for (const [start, end] of documentationSpans(text, file)) {
    for (let i = start; i < end; i++) if (chars[i] !== "\n" && chars[i] !== "\r") chars[i] = " ";
  }
  return chars.join("");
}

/** The worker's source files, relative to the root (tests left out). */
export function workerSourceFiles(): string[] {
  return SOURCE_DIRS.flatMap((dir) =>
    readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".test.ts"))
      .map((e) => relative(root, join(e.parentPath, e.name))),
  );
}

/**
 * Writes a file of the copy only when it changed (a watching `wrangler dev` does not reload for
 * nothing), and then whole: a temporary file renamed over it, as two test runs side by side may
 * write the copy while the other's wrangler reads it.
 */
function write(file: string, content: string): void {
  if (existsSync(file) && readFileSync(file, "utf8") === content) return;
  mkdirSync(dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, content);
  renameSync(partial, file);
}

/** Writes dist/worker/: the sources without their OpenAPI documentation, and nothing else. */
export function writeDeploySources(): void {
  const out = join(root, DEPLOY_SOURCES_DIR);
  const files = workerSourceFiles();
  for (const file of files) {
    write(join(out, file), withoutOpenApiDocs(readFileSync(join(root, file), "utf8"), file));
  }
  const kept = new Set(files);
  for (const dir of SOURCE_DIRS.filter((d) => existsSync(join(out, d)))) {
    for (const entry of readdirSync(join(out, dir), { withFileTypes: true, recursive: true })) {
      const file = relative(out, join(entry.parentPath, entry.name));
      if (entry.isFile() && file.endsWith(".ts") && !kept.has(file)) rmSync(join(out, file), { force: true });
    }
  }
  // The sources reach some package files by relative path (../../node_modules/…).
  try {
    symlinkSync("../../node_modules", join(out, "node_modules"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
}
