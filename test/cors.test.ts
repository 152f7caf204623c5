import { describe, expect, it } from "vitest";
import { fileEnv, send } from "./support/harness";

const bindings = fileEnv("cors");

describe("CORS", () => {
  it("allows a listed origin with credentials, on preflight and on the request", async () => {
    const preflight = await send(bindings, "/api/health", {
      method: "OPTIONS",
      headers: {
        Origin: "https://app.example.com",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,idempotency-key",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example.com");
    expect(preflight.headers.get("Access-Control-Allow-Credentials")).toBe("true");
    expect(preflight.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toContain("idempotency-key");

    const res = await send(bindings, "/api/health", { headers: { Origin: "https://app.example.com" } });
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example.com");
    expect(res.headers.get("Access-Control-Expose-Headers")).toContain("X-Request-Id");
    expect(res.headers.get("Vary")).toContain("Origin");
  });

  it("gives an unlisted origin no CORS headers", async () => {
    for (const origin of ["https://evil.example.com", "http://app.example.com", "null"]) {
      const res = await send(bindings, "/api/health", {
        method: "OPTIONS",
        headers: { Origin: origin, "Access-Control-Request-Method": "POST" },
      });
      expect(res.headers.get("Access-Control-Allow-Origin")).toBeNull();
      expect(res.headers.get("Access-Control-Allow-Credentials")).toBeNull();
    }
  });
});
