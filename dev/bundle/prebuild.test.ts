/**
 * The deployed admin console talks to the worker that serves it: the prebuild writes the
 * console into the static assets with a /config.js that picks the real backend on the page's
 * own origin, while `npm run dev`'s /config.js leaves the console in stub mode unless the URL
 * says ?backend=real.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { runInNewContext } from "node:vm";
import { beforeAll, describe, expect, it } from "vitest";
import { startWebServer } from "../web-server";
import { writePrebuiltAssets } from "./prebuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
type ConsoleMode = (search: string, config: unknown) => "http" | "stub" | undefined;
let consoleMode: ConsoleMode;

/** What a page's `window.BACKLINE_CONFIG` is after running this /config.js. */
function configOf(script: string): Record<string, unknown> {
  const window: { BACKLINE_CONFIG?: Record<string, unknown> } = {};
  runInNewContext(script, { window });
  return window.BACKLINE_CONFIG ?? {};
}

beforeAll(async () => {
  await writePrebuiltAssets();
  // The console's own module, as the browser runs it.
  const module = pathToFileURL(join(root, "public/admin/backend-mode.js")).href;
  ({ consoleMode } = (await import(module)) as { consoleMode: ConsoleMode });
}, 120_000);

describe("the deployed admin console", () => {
  it("loads /config.js before its modules, and the prebuild's says: the real API on this origin", () => {
    const html = readFileSync(join(root, "public/admin/index.html"), "utf8");
    expect(html.indexOf('<script src="/config.js">')).toBeGreaterThan(0);
    expect(html.indexOf('<script src="/config.js">')).toBeLessThan(html.indexOf("./app.js"));
    const config = configOf(readFileSync(join(root, "public/config.js"), "utf8"));
    expect(config).toEqual({ mode: "http" });
    // No apiUrl: the console calls location.origin, the worker serving it.
    expect(consoleMode("", config)).toBe("http");
    expect(consoleMode("?backend=stub", config)).toBe("stub");
  });

  it("stays in stub mode under npm run dev unless the URL asks for the real API", async () => {
    const web = await startWebServer({
      port: 0,
      apiUrl: "http://localhost:8787",
      webDir: join(root, "web"),
      sdkDir: join(root, "client/dist"),
    });
    try {
      const config = configOf(await (await fetch(`${web.url}/config.js`)).text());
      expect(config.apiUrl).toBe("http://localhost:8787");
      expect(consoleMode("", config)).toBeUndefined(); // the SDK's default: the stub
      expect(consoleMode("?backend=real", config)).toBe("http");
    } finally {
      await web.stop();
    }
  });
});
