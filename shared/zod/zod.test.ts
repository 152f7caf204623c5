import { describe, expect, it } from "vitest";
import * as zod from "zod";
import * as bundled from "./index";

type Namespace = Record<string, unknown>;

/** The names of a module namespace, less `locales`, sorted. */
const namesOf = (ns: Namespace) =>
  Object.keys(ns)
    .filter((name) => name !== "locales")
    .sort();

describe("zod as the worker bundles it (wrangler.toml alias)", () => {
  it("has every export of zod but locales, bound to the same values", () => {
    const real = zod as unknown as Namespace;
    const ours = bundled as unknown as Namespace;
    expect(namesOf(ours)).toEqual(namesOf(real));
    expect(Object.keys(ours)).not.toContain("locales");
    const namespaces = new Set(["z", "default", "core"]);
    for (const name of namesOf(real)) {
      if (!namespaces.has(name)) expect(ours[name], name).toBe(real[name]);
    }
  });

  it("gives z, its default export and z.core the same members, without locales", () => {
    for (const [ours, real] of [
      [bundled.z, zod.z],
      [bundled.default, zod.default],
      [bundled.core, zod.core],
    ] as unknown as [Namespace, Namespace][]) {
      expect(namesOf(ours)).toEqual(namesOf(real));
      expect(Object.keys(ours)).not.toContain("locales");
      for (const name of namesOf(real)) {
        if (name !== "core") expect(ours[name], name).toBe(real[name]);
      }
    }
  });

  it("keeps English error messages", () => {
    const result = bundled.z.string().min(3).safeParse("ab");
    expect(result.error?.issues[0]?.message).toBe(
      zod.z.string().min(3).safeParse("ab").error?.issues[0]?.message,
    );
    expect(result.error?.issues[0]?.message).toMatch(/>=3 characters/);
  });
});
