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
 * worker tests' global setup before they start.
 */
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
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

function write(path: string, text: string): void {
  const file = join(root, "public", path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
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
  cpSync(join(root, "web/admin"), join(root, "public/admin"), { recursive: true });
  for (const file of ["ui.js", "styles.css"]) cpSync(join(root, "web", file), join(root, "public", file));
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

if (process.argv[1] === fileURLToPath(import.meta.url)) await writePrebuiltAssets();
