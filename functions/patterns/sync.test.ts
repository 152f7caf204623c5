import { describe, expect, it } from "vitest";
import { bearer, signUp } from "../../test/support/accounts";
import { fileEnv, roundTrips, send, traceId } from "../../test/support/harness";

const bindings = fileEnv("pattern_sync");

type Pattern = { id: string; name: string; tempo: number; version: number; deletedAt: string | null };
type SyncResponse = {
  results: {
    id: string;
    status: string;
    pattern?: Pattern;
    reason?: string;
    errors?: { path: string; message: string }[];
  }[];
  changes: Pattern[];
  cursor: string;
};

const pattern = (name: string, tempo = 90) => ({
  name,
  tempo,
  tracks: [{ instrument: "kick", steps: [true, false, true, false], volume: 1 }],
});

async function sync(token: string, since: string, changes: unknown[], headers: Record<string, string> = {}) {
  const res = await send(bindings, "/api/patterns/sync", {
    method: "POST",
    headers: { ...bearer(token), ...headers },
    json: { since, changes },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as SyncResponse;
}

describe("POST /api/patterns/sync", () => {
  it("applies an offline create, and a repeat of it is idempotent", async () => {
    const user = await signUp(bindings);
    const id = crypto.randomUUID();
    const change = { op: "upsert", id, pattern: pattern("Offline") };
    const first = await sync(user.accessToken, "0", [change]);
    expect(first.results).toEqual([
      { id, status: "applied", pattern: expect.objectContaining({ name: "Offline", version: 1 }) },
    ]);
    expect(first.changes.map((p) => p.id)).toEqual([id]);
    const repeat = await sync(user.accessToken, first.cursor, [change]);
    expect(repeat.results[0]).toMatchObject({ status: "applied", pattern: { version: 1 } });
    expect(repeat.changes).toEqual([]);
  });

  it("answers a conflicting edit from a second device with the server copy", async () => {
    const user = await signUp(bindings);
    const id = crypto.randomUUID();
    await sync(user.accessToken, "0", [{ op: "upsert", id, pattern: pattern("Base") }]);
    const phone = await sync(user.accessToken, "0", [
      { op: "upsert", id, baseVersion: 1, pattern: pattern("Phone", 100) },
    ]);
    expect(phone.results[0]).toMatchObject({ status: "applied", pattern: { name: "Phone", version: 2 } });
    const laptop = await sync(user.accessToken, "0", [
      { op: "upsert", id, baseVersion: 1, pattern: pattern("Laptop", 120) },
    ]);
    expect(laptop.results[0]).toMatchObject({
      status: "conflict",
      pattern: { name: "Phone", tempo: 100, version: 2 },
    });
  });

  it("turns an edit of a pattern deleted on another device into a conflict showing the tombstone", async () => {
    const user = await signUp(bindings);
    const id = crypto.randomUUID();
    await sync(user.accessToken, "0", [{ op: "upsert", id, pattern: pattern("Doomed") }]);
    const del = await sync(user.accessToken, "0", [{ op: "delete", id, baseVersion: 1 }]);
    expect(del.results[0]).toMatchObject({ status: "applied", pattern: { deletedAt: expect.any(String) } });
    const edit = await sync(user.accessToken, "0", [
      { op: "upsert", id, baseVersion: 1, pattern: pattern("Edited") },
    ]);
    expect(edit.results[0]).toMatchObject({
      status: "conflict",
      pattern: { name: "Doomed", deletedAt: expect.any(String) },
    });
    expect(edit.changes.find((p) => p.id === id)?.deletedAt).not.toBeNull();
  });

  it("rejects an invalid item with a reason and still applies the others", async () => {
    const user = await signUp(bindings);
    const good = crypto.randomUUID();
    const bad = crypto.randomUUID();
    const out = await sync(user.accessToken, "0", [
      { op: "upsert", id: bad, pattern: { ...pattern("Bad"), tempo: 999 } },
      { op: "upsert", id: good, pattern: pattern("Good") },
      { op: "explode", id: "x" },
    ]);
    expect(out.results.map((r) => r.status)).toEqual(["rejected", "applied", "rejected"]);
    expect(out.results[0]).toMatchObject({
      reason: "the pattern is not valid",
      errors: [{ path: "pattern.tempo", message: "Too big: expected number to be <=300" }],
    });
    expect(out.results[2]).toMatchObject({
      reason: "the change is not valid",
      errors: [
        { path: "op", message: 'Invalid option: expected one of "upsert"|"delete"' },
        { path: "id", message: "Invalid UUID" },
      ],
    });
    expect(out.changes.map((p) => p.id)).toEqual([good]);
  });

  it("answers a delete of another user's pattern exactly like one of an unknown id, and keeps it", async () => {
    const owner = await signUp(bindings);
    const other = await signUp(bindings);
    const id = crypto.randomUUID();
    await sync(owner.accessToken, "0", [{ op: "upsert", id, pattern: pattern("Mine") }]);
    const unknown = crypto.randomUUID();
    const out = await sync(other.accessToken, "0", [
      { op: "delete", id },
      { op: "delete", id: unknown },
    ]);
    expect(out.results).toEqual([
      { id, status: "applied", reason: "already deleted or never synced" },
      { id: unknown, status: "applied", reason: "already deleted or never synced" },
    ]);
    const mine = await sync(owner.accessToken, "0", []);
    expect(mine.changes.find((p) => p.id === id)?.deletedAt).toBeNull();
  });

  it("applies a batch of 100 changes in one Neon round trip", async () => {
    const user = await signUp(bindings);
    await send(bindings, "/api/patterns", { headers: bearer(user.accessToken) }); // warm the limiter scripts
    const changes = Array.from({ length: 100 }, (_, i) => ({
      op: "upsert",
      id: crypto.randomUUID(),
      pattern: pattern(`P${i}`),
    }));
    const trace = traceId();
    const out = await sync(user.accessToken, "0", changes, { "X-Request-Id": trace });
    // A free account keeps 50: the rest are rejected with the reason, all in the same round trip.
    expect(out.results.filter((r) => r.status === "applied")).toHaveLength(50);
    expect(out.results.filter((r) => r.status === "rejected")[0]?.reason).toMatch(/premium/);
    expect(await roundTrips(trace)).toMatchObject({ neon: 1, upstash: 1 });
  });
});
