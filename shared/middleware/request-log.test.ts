import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { Config } from "../config";
import type { AppEnv } from "../env";
import { requestLog } from "./request-log";

/** An app whose config says which requests to log, its log lines collected. */
function appLogging(mode: Config["LOG_REQUESTS"] | undefined) {
  const lines: Record<string, unknown>[] = [];
  const app = new Hono<AppEnv>();
  app.use(requestLog({ write: (line) => lines.push(JSON.parse(line)), slowMs: 40 }));
  app.use(async function setConfig(c, next) {
    if (mode) c.set("config", { LOG_REQUESTS: mode } as Config);
    await next();
  });
  app.get("/ok", (c) => c.text("ok"));
  app.get("/missing", (c) => c.text("no", 404));
  app.get("/broken", (c) => c.text("boom", 500));
  app.get("/slow", async (c) => {
    await new Promise((resolve) => setTimeout(resolve, 60));
    return c.text("late");
  });
  return { app, lines };
}

describe("request log", () => {
  it("writes one line per request with LOG_REQUESTS=all", async () => {
    const { app, lines } = appLogging("all");
    for (const path of ["/ok", "/missing", "/broken"]) await app.request(path);
    expect(lines.map((l) => [l.route, l.status, l.level])).toEqual([
      ["/ok", 200, "info"],
      ["/missing", 404, "info"],
      ["/broken", 500, "error"],
    ]);
  });

  it("writes only 5xx and slow requests with LOG_REQUESTS=errors", async () => {
    const { app, lines } = appLogging("errors");
    for (const path of ["/ok", "/missing", "/broken", "/slow"]) await app.request(path);
    expect(lines.map((l) => [l.route, l.status])).toEqual([
      ["/broken", 500],
      ["/slow", 200],
    ]);
    expect(lines[1]?.durationMs).toBeGreaterThanOrEqual(40);
  });

  it("writes every request that ended before the config was read", async () => {
    const { app, lines } = appLogging(undefined);
    await app.request("/ok");
    expect(lines).toHaveLength(1);
  });
});
