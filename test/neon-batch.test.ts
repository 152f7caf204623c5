import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../shared/clients";
import { loadConfig } from "../shared/config";
import { fileEnv, roundTrips, traceId } from "./support/harness";

const bindings = fileEnv("neon_batch");

function db(trace?: string) {
  return createDb(loadConfig(bindings), trace);
}

describe("neon-http through the local endpoint", () => {
  beforeAll(async () => {
    await db().execute(sql`create table scratch (id int primary key, note text not null)`);
  });

  it("commits a good batch in one round trip", async () => {
    const trace = traceId();
    const d = db(trace);
    const [inserted, counted] = await d.batch([
      d.execute(sql`insert into scratch (id, note) values (1, 'kick'), (2, 'snare') returning id`),
      d.execute(sql`select count(*)::int as n from scratch`),
    ]);
    expect(inserted.rows).toHaveLength(2);
    expect(counted.rows[0]).toEqual({ n: 2 });
    expect(await roundTrips(trace)).toMatchObject({ neon: 1 });
  });

  it("rolls the whole batch back when one statement fails, keeping the SQLSTATE", async () => {
    const d = db();
    const failure = await d
      .batch([
        d.execute(sql`insert into scratch (id, note) values (10, 'first')`),
        d.execute(sql`update scratch set note = 'changed' where id = 1`),
        d.execute(sql`insert into scratch (id, note) values (2, 'duplicate')`),
      ])
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(Error);
    const cause = (failure as { cause?: { code?: string } }).cause ?? (failure as { code?: string });
    expect(cause.code).toBe("23505");

    const rows = await d.execute(sql`select id, note from scratch order by id`);
    expect(rows.rows).toEqual([
      { id: 1, note: "kick" },
      { id: 2, note: "snare" },
    ]);
  });

  it("round-trips typed parameters", async () => {
    const when = new Date("2026-11-22T10:00:00.000Z");
    const result = await db().execute(
      sql`select ${42}::int as n, ${"héllo"}::text as t, ${true}::bool as b, ${JSON.stringify({ a: [1, 2] })}::jsonb as j, ${when.toISOString()}::timestamptz as ts, ${null}::text as nothing`,
    );
    const row = result.rows[0] as Record<string, unknown>;
    expect(row).toMatchObject({ n: 42, t: "héllo", b: true, j: { a: [1, 2] }, nothing: null });
    expect(new Date(String(row.ts)).toISOString()).toBe(when.toISOString());
  });
});
