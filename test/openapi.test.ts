import { Scalar } from "@scalar/hono-api-reference";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { app } from "../functions";
import { API_REFERENCE, OPENAPI_HEAD } from "../shared/openapi";
import { fileEnv, send } from "./support/harness";

const bindings = fileEnv("openapi");

describe("API description", () => {
  it("serves an OpenAPI 3.1 document generated from the routes", async () => {
    const res = await send(bindings, "/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe("3.1.0");
    for (const path of [
      "/api/health",
      "/api/auth/signup",
      "/api/me",
      "/api/patterns/{id}",
      "/api/patterns/sync",
      "/api/lessons",
      "/api/shares/{shareId}",
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect(Object.keys(doc.paths["/api/patterns/{id}"] ?? {}).sort()).toEqual([
      "delete",
      "get",
      "patch",
      "put",
    ]);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(["Problem", "User", "Pattern"]),
    );
  });

  it("serves the document generated from the routes at build time, with the request's origin as its server", async () => {
    const res = await send(bindings, "/openapi.json", {
      headers: { Origin: "https://app.example.com" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const generated = app.getOpenAPI31Document(structuredClone(OPENAPI_HEAD) as never);
    expect(await res.json()).toEqual({ ...generated, servers: [{ url: "http://backline.test" }] });
  });

  it("is a 503 problem with Retry-After, not a 500, when the build left them out of the assets", async () => {
    const noAssets = { fetch: async () => new Response("Not found", { status: 404 }) } as unknown as Fetcher;
    for (const path of ["/openapi.json", "/docs"]) {
      const res = await send({ ...bindings, ASSETS: noAssets }, path);
      expect(res.status, path).toBe(503);
      expect(res.headers.get("content-type"), path).toMatch(/^application\/problem\+json/);
      expect(res.headers.get("retry-after"), path).toBeTruthy();
    }
  });

  it("serves the API reference page, with its script from the static assets", async () => {
    const res = await send(bindings, "/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=UTF-8");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await res.text();
    // The page rendered at build time is the one Scalar's handler renders.
    const rendered = new Hono().get("/docs", Scalar({ ...API_REFERENCE }));
    expect(html).toBe(await (await rendered.request("/docs")).text());
    expect(html).toContain("/openapi.json");
    expect(html).toContain("/vendor/scalar-api-reference.js");
  });
});
