import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { bearer, signUp } from "../../test/support/accounts";
import { fileEnv, roundTrips, send, traceId } from "../../test/support/harness";

const bindings = fileEnv("shares");

async function patternOf(token: string) {
  const res = await send(bindings, "/api/patterns", {
    method: "POST",
    headers: bearer(token),
    json: {
      name: "Shared beat",
      tempo: 94,
      tracks: [{ instrument: "kick", steps: [true, false], volume: 1 }],
    },
  });
  return ((await res.json()) as { id: string }).id;
}

async function share(token: string, patternId: string, extra: Record<string, unknown> = {}) {
  const res = await send(bindings, "/api/shares", {
    method: "POST",
    headers: bearer(token),
    json: { patternId, ...extra },
  });
  return { res, body: (await res.json()) as { shareId: string; url: string; views: number } };
}

describe("share links", () => {
  it("creates a link with a base62 id and a URL from SHARE_BASE_URL; anyone opens a public one", async () => {
    const owner = await signUp(bindings);
    const { res, body } = await share(owner.accessToken, await patternOf(owner.accessToken));
    expect(res.status).toBe(201);
    expect(body.shareId).toMatch(/^[0-9A-Za-z]{16}$/);
    expect(body.url).toBe(`http://localhost:8788/share/${body.shareId}`);
    const trace = traceId();
    const open = await send(bindings, `/api/shares/${body.shareId}`, { headers: { "X-Request-Id": trace } });
    expect(open.status).toBe(200);
    // The owner's user id (a random UUID, no name or email), as the spec's Pattern has it.
    expect(await open.json()).toMatchObject({
      views: 1,
      pattern: { name: "Shared beat", tempo: 94, userId: owner.userId },
    });
    expect((await roundTrips(trace)).neon).toBe(1);
  });

  it("lets only the owner share a pattern", async () => {
    const owner = await signUp(bindings);
    const other = await signUp(bindings);
    const { res } = await share(other.accessToken, await patternOf(owner.accessToken));
    expect(res.status).toBe(404);
  });

  it("needs a signed-in user for a non-public link", async () => {
    const owner = await signUp(bindings);
    const viewer = await signUp(bindings);
    const { body } = await share(owner.accessToken, await patternOf(owner.accessToken), { public: false });
    expect((await send(bindings, `/api/shares/${body.shareId}`)).status).toBe(401);
    expect(
      (await send(bindings, `/api/shares/${body.shareId}`, { headers: bearer(viewer.accessToken) })).status,
    ).toBe(200);
  });

  it("answers 410 once expired, 404 once revoked or the pattern deleted, 404 for unknown ids", async () => {
    const owner = await signUp(bindings);
    const patternId = await patternOf(owner.accessToken);
    const expiring = (await share(owner.accessToken, patternId, { expiresIn: 60 })).body;
    await createDb(loadConfig(bindings)).execute(
      sql`update shares set expires_at = now() - interval '1 second' where share_id = ${expiring.shareId}`,
    );
    expect((await send(bindings, `/api/shares/${expiring.shareId}`)).status).toBe(410);

    const revoked = (await share(owner.accessToken, patternId)).body;
    expect(
      (
        await send(bindings, `/api/shares/${revoked.shareId}`, {
          method: "DELETE",
          headers: bearer(owner.accessToken),
        })
      ).status,
    ).toBe(204);
    expect((await send(bindings, `/api/shares/${revoked.shareId}`)).status).toBe(404);

    const live = (await share(owner.accessToken, patternId)).body;
    await send(bindings, `/api/patterns/${patternId}`, {
      method: "DELETE",
      headers: bearer(owner.accessToken),
    });
    expect((await send(bindings, `/api/shares/${live.shareId}`)).status).toBe(404);
    expect((await send(bindings, "/api/shares/0000000000000000")).status).toBe(404);
  });

  it("counts 20 concurrent views as 20, and lists the owner's links with views", async () => {
    const owner = await signUp(bindings);
    const { body } = await share(owner.accessToken, await patternOf(owner.accessToken));
    const views = await Promise.all(
      Array.from({ length: 20 }, () => send(bindings, `/api/shares/${body.shareId}`)),
    );
    expect(views.every((r) => r.status === 200)).toBe(true);
    const list = (await (
      await send(bindings, "/api/shares", { headers: bearer(owner.accessToken) })
    ).json()) as {
      shares: { shareId: string; views: number }[];
    };
    expect(list.shares).toEqual([expect.objectContaining({ shareId: body.shareId, views: 20 })]);
  });

  it("lists only live links: not expired, not revoked, not to a deleted pattern", async () => {
    const owner = await signUp(bindings);
    const kept = await patternOf(owner.accessToken);
    const doomed = await patternOf(owner.accessToken);
    const live = (await share(owner.accessToken, kept)).body;
    const expiring = (await share(owner.accessToken, kept, { expiresIn: 60 })).body;
    const revoked = (await share(owner.accessToken, kept)).body;
    await share(owner.accessToken, doomed);
    await createDb(loadConfig(bindings)).execute(
      sql`update shares set expires_at = now() - interval '1 second' where share_id = ${expiring.shareId}`,
    );
    await send(bindings, `/api/shares/${revoked.shareId}`, {
      method: "DELETE",
      headers: bearer(owner.accessToken),
    });
    await send(bindings, `/api/patterns/${doomed}`, { method: "DELETE", headers: bearer(owner.accessToken) });
    const res = await send(bindings, "/api/shares", { headers: bearer(owner.accessToken) });
    const list = (await res.json()) as { shares: { shareId: string }[] };
    expect(list.shares.map((s) => s.shareId)).toEqual([live.shareId]);
  });

  it("does not let another user revoke the link", async () => {
    const owner = await signUp(bindings);
    const other = await signUp(bindings);
    const { body } = await share(owner.accessToken, await patternOf(owner.accessToken));
    expect(
      (
        await send(bindings, `/api/shares/${body.shareId}`, {
          method: "DELETE",
          headers: bearer(other.accessToken),
        })
      ).status,
    ).toBe(404);
    expect((await send(bindings, `/api/shares/${body.shareId}`)).status).toBe(200);
  });

  it.each([
    [{ patternId: "not-a-uuid" }, "patternId"],
    [{ patternId: crypto.randomUUID(), expiresIn: 5 }, "expiresIn"],
    [{ patternId: crypto.randomUUID(), public: "yes" }, "public"],
  ])("answers 400 naming the field at fault (%#)", async (json, field) => {
    const owner = await signUp(bindings);
    const res = await send(bindings, "/api/shares", {
      method: "POST",
      headers: bearer(owner.accessToken),
      json,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain(field);
  });
});
