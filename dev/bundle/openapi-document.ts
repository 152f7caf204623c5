// The worker's own types, for the app this imports (as client/tsconfig.json includes them).
/// <reference path="../../worker-configuration.d.ts" />
/**
 * Writes the API's OpenAPI document, generated from the routes, to public/openapi.json, where
 * the worker serves it from (functions/index.ts, `GET /openapi.json`): the deployed worker holds
 * no OpenAPI generator (wrangler.toml `[alias]`). wrangler.toml `[build]` runs this before every
 * `wrangler dev` and `wrangler deploy`, the worker tests' global setup before they start.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { app } from "../../functions/index";
import { OPENAPI_HEAD, OPENAPI_PATH } from "../../shared/openapi";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** The document as the worker used to generate it per request, without `servers` (filled in per request). */
export function openApiDocument(): unknown {
  return app.getOpenAPI31Document(
    structuredClone(OPENAPI_HEAD) as Parameters<typeof app.getOpenAPI31Document>[0],
  );
}

/** Writes the document into the static assets directory; returns its path. */
export function writeOpenApiDocument(): string {
  const path = join(root, "public", OPENAPI_PATH);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(openApiDocument()));
  return path;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) writeOpenApiDocument();
