/**
 * The demo frontend's static server: web/ as the site, the SDK build (client/dist) at /sdk/,
 * /share/<id> (and /share/stub/<id>, links made in stub mode) as the share page, the pages the
 * API's emails link to (/verify-email, /reset-password, /join; under /stub/ for the stub's emails),
 * the stub mailbox at /stub/mailbox, the admin console at /admin/, and /config.js telling the page where the API is.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createAdaptorServer } from "@hono/node-server";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";

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

/** Starts the static server on localhost (the refresh cookie is SameSite=Lax: page and API share a site). */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  // stubShareBaseUrl: where links made in stub mode open (the share page in stub mode), for
  // pages on the drop-in serviceFactory (the demo app passes its own).
  const config = { apiUrl: options.apiUrl, stubShareBaseUrl: "/share/stub" };
  const configJs = `window.BACKLINE_CONFIG = ${JSON.stringify(config)};\n`;
  const app = new Hono();
  app.use(async (c, next) => {
    await next();
    c.header("cache-control", "no-store");
  });
  app.get("/config.js", (c) => c.body(configJs, 200, { "content-type": "text/javascript; charset=utf-8" }));
  app.get(
    "/sdk/*",
    serveStatic({ root: options.sdkDir, rewriteRequestPath: (path) => path.slice("/sdk".length) }),
  );
  app.get("/sdk/*", (c) => c.text(`Not in the SDK build (${options.sdkDir}): run npm run client:build`, 404));
  app.get("/share/:id{[0-9A-Za-z_-]+/?}", serveStatic({ path: join(options.webDir, "share.html") }));
  app.get("/share/stub/:id{[0-9A-Za-z_-]+/?}", serveStatic({ path: join(options.webDir, "share.html") }));
  // APP_URL/verify-email?token=… and APP_URL/reset-password?token=… (shared/email/links.ts);
  // APP_URL/join?token=…: a team invitation.
  for (const page of ["verify-email", "reset-password", "confirm-email", "join"]) {
    const html = serveStatic({ path: join(options.webDir, `${page}.html`) });
    app.get(`/${page}`, html);
    app.get(`/stub/${page}`, html);
  }
  app.get("/stub/mailbox", serveStatic({ path: join(options.webDir, "stub-mailbox.html") }));
  // The admin console (web/admin/): its modules are relative to /admin/.
  app.get("/admin", (c) => c.redirect("/admin/"));
  app.get("/*", serveStatic({ root: options.webDir }));
  app.all("/*", (c) =>
    c.req.method === "GET" ? c.text("Not found", 404) : c.text("Method not allowed", 405),
  );

  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
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
