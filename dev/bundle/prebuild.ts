// The worker's own types, for the app this imports (as client/tsconfig.json includes them).
/// <reference path="../../worker-configuration.d.ts" />
/**
 * Writes what the worker serves from its static assets but the deployed bundle cannot make
 * (wrangler.toml `[alias]` leaves the generators out): public/openapi.json, the OpenAPI document
 * generated from the routes, and public/docs.html, the API reference page (Scalar). The worker
 * serves them at /openapi.json and /docs (functions/index.ts). It also copies the admin console
 * (web/admin/, with the demo's ui.js and styles.css and the SDK's module it imports) into the
 * assets, so a deployed worker serves it at /admin/ as static files. wrangler.toml `[build]` runs
 * this before every `wrangler dev` (again when the sources change) and `wrangler deploy`; the
 * worker tests' global setup before they start. Run as the build command, it also writes the
 * sources `wrangler deploy` bundles, without their OpenAPI documentation (deploy-sources.ts).
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Scalar } from "@scalar/hono-api-reference";
import { Hono } from "hono";
import { bundleModule } from "../../client/build";
import { app } from "../../functions/index";
import { API_REFERENCE, API_REFERENCE_PATH, OPENAPI_HEAD, OPENAPI_PATH } from "../../shared/openapi";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** The document as the worker used to generate it per request, without `servers` (set per request). */
export function openApiDocument(): ReturnType<typeof app.getOpenAPI31Document> {
  return app.getOpenAPI31Document(
    structuredClone(OPENAPI_HEAD) as Parameters<typeof app.getOpenAPI31Document>[0],
  );
}

/** The API reference page as Scalar's Hono handler renders it (the same for every request). */
export async function apiReferencePage(): Promise<string> {
  const page = new Hono().get(API_REFERENCE_PATH, Scalar({ ...API_REFERENCE }));
  return (await page.request(API_REFERENCE_PATH)).text();
}

/**
 * Writes a file of public/ only when its content changed, and then whole (a temporary file
 * renamed over it): two test runs starting side by side (CI runs its two passes at once) and a
 * `wrangler dev` watching the directory never see a half-written file, nor a needless change.
 */
function write(path: string, content: string | Buffer): void {
  const file = join(root, "public", path);
  if (existsSync(file) && readFileSync(file).equals(Buffer.from(content))) return;
  mkdirSync(dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, content);
  renameSync(partial, file);
}

/** Copies a file or a directory of web/ into public/ (at `to`), file by file through write(). */
function copy(from: string, to: string): void {
  const source = join(root, "web", from);
  if (!statSync(source).isDirectory()) {
    write(to, readFileSync(source));
    return;
  }
  const entries = readdirSync(source, { withFileTypes: true, recursive: true }).filter((e) => e.isFile());
  for (const entry of entries) {
    const path = join(entry.parentPath, entry.name);
    write(join(to, path.slice(source.length)), readFileSync(path));
  }
}

/**
 * What the deployed console reads from /config.js: the real API on its own origin (the worker
 * that serves it). `npm run dev` serves its own /config.js (dev/web-server.ts), without a mode, so
 * the console there stays in stub mode unless the URL says ?backend=real.
 */
export const DEPLOYED_CONSOLE_CONFIG = 'window.BACKLINE_CONFIG = { mode: "http" };\n';

/**
 * The admin console as static files, at the paths its modules import: /admin/*, /ui.js,
 * /styles.css, /sdk/backline.js and /config.js (the real backend on the worker's origin).
 */
async function writeAdminConsole(): Promise<void> {
  copy("admin", "admin");
  for (const file of ["ui.js", "styles.css"]) copy(file, file);
  const sdk = await bundleModule({ write: false });
  const module = sdk.outputFiles?.find((f) => f.path.endsWith("backline.js"));
  if (!module) throw new Error("the SDK build wrote no backline.js");
  write("sdk/backline.js", module.text);
  write("config.js", DEPLOYED_CONSOLE_CONFIG);
}

/** Writes all of it into the static assets directory. */
export async function writePrebuiltAssets(): Promise<void> {
  write(OPENAPI_PATH, JSON.stringify(openApiDocument()));
  write(`${API_REFERENCE_PATH}.html`, await apiReferencePage());
  await writeAdminConsole();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writePrebuiltAssets();
  // Imported here only: the worker tests' global setup needs the assets, not the TypeScript compiler.
  const { writeDeploySources } = await import("./deploy-sources");
  writeDeploySources();
}
