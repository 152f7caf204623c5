/**
 * The static files (the admin console, the SDK, the API reference's script) live in a worker of
 * their own, bound as ASSETS (wrangler.assets.toml says why). This is the rule Cloudflare's asset
 * router applied when they were this worker's own `[assets]`: a GET or HEAD outside the API is a
 * file if one exists, else the API answers it (its 404 problem); everything else goes straight to
 * the API, with no lookup.
 */

import { describeError } from "./db-errors";
import { dependencyUnavailable } from "./errors";

/** Paths the API answers itself, never looked up as files (the router's `run_worker_first`). */
const API_PATH = /^\/(?:api\/|openapi\.json$|docs$|docs\.html$)/;

/** The path of an absolute request URL, without parsing all of it: `https://host/path?query` → `/path`. */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const query = url.indexOf("?", start);
  return query < 0 ? url.slice(start) : url.slice(start, query);
}

/** Whether a request might be for a static file: a GET or HEAD outside the API's paths. */
function mayBeStaticFile(request: Request): boolean {
  return (request.method === "GET" || request.method === "HEAD") && !API_PATH.test(pathOf(request.url));
}

/** The 503 problem for a file the assets worker could not be asked for, logged as every 5xx is (describeError). */
function filesUnavailable(request: Request, error: unknown): Response {
  const problem = dependencyUnavailable("The static files are not available right now; try again shortly.");
  const instance = pathOf(request.url);
  const line = { level: "warn", msg: problem.title, method: request.method, path: instance, status: 503 };
  console.warn(JSON.stringify({ ...line, ...describeError(error) }));
  const body = { type: problem.type, title: problem.title, status: 503, detail: problem.detail, instance };
  return new Response(JSON.stringify(body), {
    status: 503,
    headers: { ...problem.headers, "Content-Type": "application/problem+json", "Cache-Control": "no-store" },
  });
}

/**
 * Wraps the API's fetch handler: a request that may be for a static file asks the assets worker
 * first and gets its file (or its redirect, e.g. `/admin` → `/admin/`); when there is none, and
 * for every API request, the API answers. If the assets worker cannot be reached, a 503.
 */
export function withStaticFiles<Env extends { ASSETS: Fetcher }, Ctx>(
  api: (request: Request, env: Env, ctx: Ctx) => Response | Promise<Response>,
): (request: Request, env: Env, ctx: Ctx) => Promise<Response> {
  return async (request, env, ctx) => {
    if (mayBeStaticFile(request)) {
      let file: Response;
      try {
        file = await env.ASSETS.fetch(request);
      } catch (error) {
        return filesUnavailable(request, error);
      }
      if (file.status !== 404) return file;
      await file.body?.cancel();
    }
    return api(request, env, ctx);
  };
}
