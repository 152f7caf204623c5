import { describe, expect, it } from "vitest";
import { describeError } from "./db-errors";

describe("describeError (what a log line says about an error)", () => {
  it("keeps an application error's class and message, never its stack", () => {
    const error = new TypeError("config is missing JWT_SECRET");
    const described = describeError(error);
    expect(described).toEqual({ error: "TypeError", message: "config is missing JWT_SECRET" });
    expect(JSON.stringify(described)).not.toContain("at ");
  });

  it("names a driver error and its causes without their messages, which quote SQL", () => {
    const driver = Object.assign(new Error('syntax error at or near "selec" in select * from users'), {
      name: "NeonDbError",
      code: "42601",
    });
    const wrapped = new Error("query failed", { cause: driver });
    const described = describeError(wrapped);
    expect(described).toEqual({ error: "Error < NeonDbError", sqlState: "42601" });
  });
});
