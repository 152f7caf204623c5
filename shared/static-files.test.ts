import { describe, expect, it } from "vitest";
import worker from "../functions";
import { fileEnv, send, type TestBindings } from "../test/support/harness";

const bindings = fileEnv("static-files");

/** The real assets binding, recording what the worker asks it for. */
function recordingAssets(): { env: TestBindings; asked: string[] } {
  const asked: string[] = [];
  const ASSETS = {
    fetch: (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      asked.push(`${request.method} ${new URL(request.url).pathname}`);
      return bindings.ASSETS.fetch(request);
    },
  } as Fetcher;
  return { env: { ...bindings, ASSETS }, asked };
}

describe("static files from the assets worker", () => {
  it("serves the admin console as the assets worker's file, without the API's middleware", async () => {
    const { env, asked } = recordingAssets();
    const res = await send(env, "/admin/", {}, worker);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await res.text()).toContain("<title>Backline admin console</title>");
    // The API's root middleware stamps every answer it gives with a request id.
    expect(res.headers.get("x-request-id")).toBeNull();
    expect(asked).toEqual(["GET /admin/"]);

    const script = await send(env, "/vendor/scalar-api-reference.js", { method: "HEAD" }, worker);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toMatch(/javascript/);
  });

  it("answers with the API's 404 problem when there is no such file", async () => {
    const { env, asked } = recordingAssets();
    const res = await send(env, "/no-such-file.txt", {}, worker);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(res.headers.get("x-request-id")).toBeTruthy();
    expect(asked).toEqual(["GET /no-such-file.txt"]);
  });

  it("sends API paths and other methods straight to the API, with no file lookup", async () => {
    const { env, asked } = recordingAssets();
    const health = await send(env, "/api/health", {}, worker);
    expect(health.headers.get("x-request-id")).toBeTruthy();
    const posted = await send(env, "/admin/", { method: "POST", json: {} }, worker);
    expect(posted.status).toBe(404);
    expect(posted.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const raw = await send(env, "/docs.html", {}, worker);
    expect(raw.status).toBe(404);
    expect(asked).toEqual([]);
    // The API's own documents read their file from the assets themselves, and add the API's
    // headers; a query string does not make them files.
    const document = await send(env, "/openapi.json?download=1", {}, worker);
    expect(document.headers.get("x-request-id")).toBeTruthy();
    const docs = await send(env, "/docs", {}, worker);
    expect(docs.status).toBe(200);
    expect(docs.headers.get("x-request-id")).toBeTruthy();
    expect(asked).toEqual(["GET /openapi.json", "GET /docs"]);
  });

  it("is a 503 problem with Retry-After when the assets worker cannot be reached", async () => {
    const down = {
      fetch: async () => {
        throw new Error("Service binding backline-assets is not reachable");
      },
    } as unknown as Fetcher;
    for (const path of ["/admin/", "/openapi.json", "/docs"]) {
      const res = await send({ ...bindings, ASSETS: down }, path, {}, worker);
      expect(res.status, path).toBe(503);
      expect(res.headers.get("content-type"), path).toMatch(/^application\/problem\+json/);
      expect(res.headers.get("retry-after"), path).toBe("5");
      const body = (await res.json()) as { detail: string; instance: string };
      expect(body.instance, path).toBe(path);
      expect(body.detail, path).not.toContain("backline-assets");
    }
  });
});
