/**
 * The demo frontend's static server: web/ as the site, the SDK build (client/dist) at /sdk/,
 * /share/<id> (and /share/stub/<id>, links made in stub mode) as the share page, and /config.js
 * telling the page where the API is.
 */
import { readFile, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, sep } from "node:path";

export interface WebServerOptions {
  /** 0 = any free port. */
  port: number;
  /** The API origin the page calls, e.g. http://localhost:8787 (same site as the page). */
  apiUrl: string;
  /** The folder served as the site (web/). */
  webDir: string;
  /** The SDK build served at /sdk/ (client/dist). */
  sdkDir: string;
}

export interface WebServer {
  /** http://localhost:PORT */
  url: string;
  port: number;
  stop(): Promise<void>;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".ts": "text/plain; charset=utf-8",
};

/** Resolves `path` inside `dir`, or undefined when it would leave it. */
function inside(dir: string, path: string): string | undefined {
  const full = normalize(join(dir, path));
  return full === dir || full.startsWith(dir.endsWith(sep) ? dir : dir + sep) ? full : undefined;
}

async function sendFile(res: ServerResponse, file: string | undefined, status = 200): Promise<boolean> {
  if (!file) return false;
  try {
    if (!(await stat(file)).isFile()) return false;
    const body = await readFile(file);
    res.writeHead(status, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "cache-control": "no-store",
    });
    res.end(body);
    return true;
  } catch {
    return false;
  }
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
  res.end(text);
}

/** Starts the static server on localhost (the refresh cookie is SameSite=Lax: page and API share a site). */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const configJs = `window.BACKLINE_CONFIG = ${JSON.stringify({ apiUrl: options.apiUrl })};\n`;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "GET" && req.method !== "HEAD") return sendText(res, 405, "Method not allowed");
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
    if (path === "/config.js") {
      res.writeHead(200, { "content-type": TYPES[".js"] as string, "cache-control": "no-store" });
      return void res.end(configJs);
    }
    if (path.startsWith("/sdk/")) {
      if (await sendFile(res, inside(options.sdkDir, path.slice("/sdk/".length)))) return;
      return sendText(res, 404, `Not in the SDK build (${options.sdkDir}): run npm run client:build`);
    }
    if (/^\/share\/(?:stub\/)?[0-9A-Za-z_-]+\/?$/.test(path)) {
      if (await sendFile(res, join(options.webDir, "share.html"))) return;
    }
    const file = path.endsWith("/") ? `${path}index.html` : path;
    if (await sendFile(res, inside(options.webDir, file))) return;
    sendText(res, 404, "Not found");
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendText(res, 500, String(error));
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // Loopback only; browsers reach it as localhost (they fall back from ::1 to 127.0.0.1).
    server.listen(options.port, "127.0.0.1", resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
