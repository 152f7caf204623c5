import { describe, expect, it } from "vitest";
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

  it("serves the API reference page, with its script from the static assets", async () => {
    const res = await send(bindings, "/docs");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("/openapi.json");
    expect(html).toContain("/vendor/scalar-api-reference.js");
  });
});
