import { describe, expect, it } from "vitest";
import * as zod from "zod";
import * as bundled from "./index";
import { OMITTED_FROM_WORKER } from "./omitted";

const OMITTED: readonly string[] = OMITTED_FROM_WORKER;

type Namespace = Record<string, unknown>;

/** The names of a module namespace, less the omitted ones, sorted. */
const namesOf = (ns: Namespace) =>
  Object.keys(ns)
    .filter((name) => !OMITTED.includes(name))
    .sort();

/** The omitted names a namespace still has (none, for the worker's). */
const leftIn = (ns: Namespace) => OMITTED.filter((name) => name in ns);

describe("zod as the worker bundles it (wrangler.toml alias)", () => {
  it("has every export of zod but the omitted ones, bound to the same values", () => {
    const real = zod as unknown as Namespace;
    const ours = bundled as unknown as Namespace;
    expect(namesOf(ours)).toEqual(namesOf(real));
    expect(leftIn(ours)).toEqual([]);
    const namespaces = new Set(["z", "default", "core"]);
    for (const name of namesOf(real)) {
      if (!namespaces.has(name)) expect(ours[name], name).toBe(real[name]);
    }
  });

  it("gives z, its default export and z.core the same members, without the omitted ones", () => {
    for (const [ours, real] of [
      [bundled.z, zod.z],
      [bundled.default, zod.default],
      [bundled.core, zod.core],
    ] as unknown as [Namespace, Namespace][]) {
      expect(namesOf(ours)).toEqual(namesOf(real));
      expect(leftIn(ours)).toEqual([]);
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
