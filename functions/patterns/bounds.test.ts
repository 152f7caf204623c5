import { describe, expect, it } from "vitest";
import { bearer, signUp } from "../../test/support/accounts";
import { fileEnv, send } from "../../test/support/harness";

const bindings = fileEnv("pattern-bounds");

/** The worst-case pattern size stated in README (Endpoints): bytes of JSON. */
const WORST_CASE_BYTES = 180_000;

// The longest JSON spellings: a control character is escaped to 6 bytes, a number in [0, 1]
// takes at most 24 characters.
const wide = (n: number) => "\u0001".repeat(n);
const longUnit = 0.0000012345678901234567;

/** A pattern at every bound at once. */
function maximal() {
  return {
    name: wide(120),
    tempo: 300,
    isPublic: false,
    tracks: Array.from({ length: 64 }, () => ({
      id: wide(64),
      instrument: wide(40),
      steps: Array.from({ length: 64 }, () => longUnit),
      volume: longUnit,
      pan: -longUnit,
      muted: false,
      solo: false,
    })),
    mixer: {
      masterVolume: longUnit,
      swing: longUnit,
      effects: Object.fromEntries(
        Array.from({ length: 32 }, (_, i) => [`${String(i).padStart(2, "0")}${wide(38)}`, wide(100)]),
      ),
    },
  };
}

type Maximal = ReturnType<typeof maximal>;

async function create(token: string, body: unknown) {
  return send(bindings, "/api/patterns", { method: "POST", headers: bearer(token), json: body });
}

describe("every pattern field is bounded", () => {
  it(`accepts a maximal pattern, ${WORST_CASE_BYTES} bytes of JSON at most`, async () => {
    const body = maximal();
    const bytes = new TextEncoder().encode(JSON.stringify(body)).length;
    expect(bytes).toBeLessThanOrEqual(WORST_CASE_BYTES);
    expect(bytes).toBeGreaterThan(WORST_CASE_BYTES * 0.95);
    const user = await signUp(bindings);
    expect((await create(user.accessToken, body)).status).toBe(201);
  });

  const over: [string, (p: Maximal) => void][] = [
    ["name", (p) => (p.name += "x")],
    ["tracks", (p) => p.tracks.push({ ...(p.tracks[0] as Maximal["tracks"][number]) })],
    ["tracks.0.id", (p) => ((p.tracks[0] as { id: string }).id += "x")],
    ["tracks.0.instrument", (p) => ((p.tracks[0] as { instrument: string }).instrument += "x")],
    ["tracks.0.steps", (p) => (p.tracks[0] as { steps: number[] }).steps.push(1)],
    ["mixer.effects", (p) => (p.mixer.effects.extra = "x")],
    ["mixer.effects.00", (p) => (p.mixer.effects = { "00": wide(101) })],
  ];
  it.each(over)("refuses one over the bound of %s", async (path, grow) => {
    const user = await signUp(bindings);
    const body = maximal();
    grow(body);
    const res = await create(user.accessToken, body);
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path)).toContain(path);
  });

  it("refuses an effect name longer than 40 characters", async () => {
    const user = await signUp(bindings);
    const body = maximal();
    body.mixer.effects = { [wide(41)]: 1 } as never;
    expect((await create(user.accessToken, body)).status).toBe(400);
  });
});
