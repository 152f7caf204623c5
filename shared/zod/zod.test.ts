import { extendZodWithOpenApi } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import * as zod from "zod";
import * as bundled from "./index";

type Namespace = Record<string, unknown>;

const real = zod as unknown as Namespace;
const members = (ns: Namespace) => Object.keys(ns).sort();

describe("zod as the worker bundles it (wrangler.toml alias)", () => {
  it("binds each member of its z to zod's own function, class or namespace", () => {
    const ours = bundled.z as unknown as Namespace;
    expect(members(ours).length).toBeGreaterThan(10);
    for (const name of members(ours)) {
      if (name === "coerce" || name === "iso") {
        for (const inner of members(ours[name] as Namespace)) {
          expect((ours[name] as Namespace)[inner], `${name}.${inner}`).toBe((real[name] as Namespace)[inner]);
        }
      } else {
        expect(ours[name], name).toBe(real[name]);
      }
    }
  });

  it("gives z, its default export and the module the same members", () => {
    expect(members(bundled.default as unknown as Namespace)).toEqual(
      members(bundled.z as unknown as Namespace),
    );
    const moduleMembers = members(bundled as unknown as Namespace).filter(
      (n) => n !== "z" && n !== "default",
    );
    expect(moduleMembers).toEqual(members(bundled.z as unknown as Namespace));
  });

  it("is what @hono/zod-openapi extends (ZodType), and keeps English error messages", () => {
    expect(() => extendZodWithOpenApi(bundled.z as unknown as typeof zod.z)).not.toThrow();
    const result = bundled.z.string().min(3).safeParse("ab");
    expect(result.error?.issues[0]?.message).toBe(
      zod.z.string().min(3).safeParse("ab").error?.issues[0]?.message,
    );
    expect(result.error?.issues[0]?.message).toMatch(/>=3 characters/);
  });
});
