/**
 * The SDK's hand-written checks (client/src/validation) against the server's own zod schemas:
 * the same inputs must give the same issues, in the same order, with the same messages.
 * The schemas the server does not export are compared through the worker in
 * test/contract.validation.test.ts.
 */
import { z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { EmailSchema, SigninBody, SignupBody } from "../../functions/auth/schemas";
import {
  CreatePatternBody,
  MixerSchema,
  PutPatternBody,
  TrackSchema,
} from "../../functions/patterns/schemas";
import { fromZodError } from "../../shared/app";
import * as client from "../src/validation/bodies";
import { parse, type Schema } from "../src/validation/schema";

/** What the server answers for `input`: its parsed value, or its `errors` list. */
function server(schema: z.ZodType, input: unknown) {
  const result = schema.safeParse(input);
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, errors: fromZodError(result.error).extensions.errors };
}

function sdk(schema: Schema, input: unknown) {
  const result = parse(schema, input);
  return result.ok ? { ok: true, value: result.value } : { ok: false, errors: result.errors };
}

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ODD = [
  undefined,
  null,
  true,
  false,
  0,
  -1,
  0.5,
  1,
  1.5,
  2,
  19,
  20,
  300,
  301,
  12.5,
  2 ** 60,
  -(2 ** 60),
  "",
  " ",
  "x",
  "  kick  ",
  "x".repeat(41),
  "x".repeat(121),
  [],
  {},
  [true],
  { a: 1 },
];

function mutate(value: unknown, rnd: () => number, depth = 0): unknown {
  const pick = <T>(list: T[]) => list[Math.floor(rnd() * list.length)] as T;
  if (rnd() < 0.15) return pick(ODD);
  if (Array.isArray(value)) {
    const out = value.map((v) => (rnd() < 0.3 ? mutate(v, rnd, depth + 1) : v));
    if (rnd() < 0.1) return [...out, ...Array(65).fill(out[0] ?? true)];
    return out;
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (rnd() < 0.1) continue;
      out[k] = rnd() < 0.3 && depth < 4 ? mutate(v, rnd, depth + 1) : v;
    }
    if (rnd() < 0.1) out[pick(["extra", "userId", "version", "k".repeat(41)])] = pick(ODD);
    return out;
  }
  return value;
}

const goodPattern = {
  id: "0b6f4a3e-7f5c-4a8e-9d21-5b0f3c2a1e77",
  name: "Groove",
  tempo: 120,
  tracks: [
    {
      id: "t1",
      instrument: "kick",
      steps: [true, false, 0.5, 1],
      volume: 0.8,
      pan: -0.5,
      muted: false,
      solo: true,
    },
    { instrument: "snare", steps: [false, true], volume: 1 },
  ],
  mixer: { masterVolume: 0.9, swing: 0.1, effects: { reverb: 0.3, delay: true, name: "hall" } },
  isPublic: true,
};

const cases: [string, z.ZodType, Schema, unknown][] = [
  ["CreatePattern", CreatePatternBody, client.CreatePatternBody, goodPattern],
  ["ReplacePattern", PutPatternBody, client.PutPatternBody, { ...goodPattern, id: undefined }],
  [
    "ReplacePattern (no id)",
    PutPatternBody,
    client.PutPatternBody,
    JSON.parse(JSON.stringify({ ...goodPattern, id: undefined })),
  ],
  ["Track", TrackSchema, client.TrackSchema, goodPattern.tracks[0]],
  ["Mixer", MixerSchema, client.MixerSchema, goodPattern.mixer],
  [
    "Signup",
    SignupBody,
    client.SignupBody,
    {
      email: " Ada@Example.com ",
      password: "a sturdy passphrase",
      displayName: " Ada ",
      returnRefreshToken: true,
    },
  ],
  ["Signin", SigninBody, client.SigninBody, { email: "ada@example.com", password: "x" }],
];

describe("SDK validation equals the server's zod schemas", () => {
  it.each(cases)("%s: the example", (_name, zod, mine, example) => {
    expect(sdk(mine, example)).toEqual(server(zod, example));
  });

  it.each(cases)("%s: 400 random variations", (name, zod, mine, example) => {
    const rnd = random(name.length * 7919);
    let failures = 0;
    for (let i = 0; i < 400; i++) {
      const input = JSON.parse(JSON.stringify(mutate(example, rnd)) ?? "null") as unknown;
      const expected = server(zod, input);
      if (!expected.ok) failures++;
      expect(sdk(mine, input), JSON.stringify(input)).toEqual(expected);
    }
    expect(failures).toBeGreaterThan(100);
  });

  it.each([
    [
      "a@b",
      `${"x".repeat(250)}@example.com`,
      "a..b@example.com",
      ".a@example.com",
      "a@-x.com",
      "a@x.c",
      " A@B.CO ",
      "ü@example.com",
      5,
      null,
    ],
  ])("emails like the server", (...emails) => {
    for (const email of emails) {
      expect(sdk(client.ForgotBody, { email })).toEqual(
        server(z.object({ email: EmailSchema }).strict(), { email }),
      );
    }
  });
});
