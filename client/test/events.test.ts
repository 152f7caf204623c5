/** Usage events in the SDK (batching, page hide, consent, retries), the progress summary and admin metrics in the stub. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Backline, BacklineError, createBackline, memoryStorage } from "../src/index";
import { localDay, streaksOf } from "../src/stub/progress-summary";

type Listener = () => void;
const g = globalThis as unknown as {
  addEventListener?: (type: string, l: Listener) => void;
  removeEventListener?: (type: string, l: Listener) => void;
  navigator?: { doNotTrack?: string };
};
let listeners: Map<string, Set<Listener>>;
const fire = (type: string) => {
  for (const l of listeners.get(type) ?? []) l();
};

beforeEach(() => {
  listeners = new Map();
  g.addEventListener = (type, l) => {
    listeners.set(type, (listeners.get(type) ?? new Set()).add(l));
  };
  g.removeEventListener = (type, l) => listeners.get(type)?.delete(l);
});
afterEach(() => {
  delete g.addEventListener;
  delete g.removeEventListener;
  if (g.navigator?.doNotTrack) delete g.navigator.doNotTrack;
});

interface Sent {
  keepalive: boolean;
  authorization: string | null;
  body: { anonymousId?: string; events: { name: string; props?: Record<string, unknown> }[] };
}

/** An http-mode client whose fetch answers POST /api/events with `status` and records each batch. */
function httpClient(status: () => number = () => 200, options: Parameters<typeof createBackline>[0] = {}) {
  const sent: Sent[] = [];
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const body = (await request.json()) as Sent["body"];
    sent.push({
      keepalive: init?.keepalive === true,
      authorization: request.headers.get("Authorization"),
      body,
    });
    const code = status();
    if (code !== 200) {
      return Response.json(
        { type: "https://backline.dev/problems/x", title: "x", status: code },
        { status: code, headers: { "Content-Type": "application/problem+json" } },
      );
    }
    return Response.json({ results: body.events.map((_, index) => ({ index, status: "accepted" })) });
  }) as typeof fetch;
  const client = createBackline({
    mode: "http",
    baseUrl: "http://api.test",
    fetch: fetcher,
    storage: memoryStorage(),
    ...options,
  });
  return { client, sent };
}

describe("track", () => {
  it("batches in memory: a full batch of 100 goes at once, the rest on flush, all under one anonymous id", async () => {
    const { client, sent } = httpClient();
    for (let i = 0; i < 150; i++) client.track("page_view", { i });
    await client.events.flush();
    expect(sent.map((s) => s.body.events.length)).toEqual([100, 50]);
    expect(sent[0]?.body.events[0]).toMatchObject({ name: "page_view", props: { i: 0 } });
    expect(sent[0]?.body.anonymousId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent[1]?.body.anonymousId).toBe(sent[0]?.body.anonymousId);
    expect(client.events.pending()).toBe(0);
    client.setMode("http");
  });

  it("sends on page hide with a keepalive fetch", async () => {
    const { client, sent } = httpClient();
    client.track("lesson_started", { lessonId: "counting-beats" });
    fire("pagehide");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent).toEqual([expect.objectContaining({ keepalive: true })]);
    client.setMode("http");
  });

  it("keeps a batch that met an outage or a rate limit for the next flush; drops one the API refuses", async () => {
    let status = 503;
    const { client, sent } = httpClient(() => status);
    client.track("page_view");
    await client.events.flush();
    expect(client.events.pending()).toBe(1);
    status = 429;
    await client.events.flush();
    expect(client.events.pending()).toBe(1);
    status = 200;
    client.track("plans_viewed");
    await client.events.flush();
    expect(sent.at(-1)?.body.events.map((e) => e.name)).toEqual(["page_view", "plans_viewed"]);
    status = 400;
    client.track("page_view");
    await client.events.flush();
    expect(client.events.pending()).toBe(0);
    client.setMode("http");
  });

  it("refuses a malformed name, a server-only name and oversize props at once", () => {
    const { client } = httpClient();
    expect(() => client.track("Not A Name")).toThrow(TypeError);
    expect(() => client.track("sign_up")).toThrow(/not an event name/);
    expect(() => client.track("page_view", { text: "x".repeat(201) })).toThrow(/props\.text/);
    expect(() => client.track("page_view", { nested: {} as unknown as string })).toThrow(TypeError);
    expect(client.events.pending()).toBe(0);
  });

  it("with requireConsent, collects nothing until consent; withdrawing drops the queue and the anonymous id", async () => {
    const { client, sent } = httpClient(() => 200, { events: { requireConsent: true } });
    client.track("page_view");
    expect(client.events.isEnabled()).toBe(false);
    expect(client.events.pending()).toBe(0);
    await client.events.setConsent(true);
    client.track("page_view");
    await client.events.flush();
    const firstId = sent[0]?.body.anonymousId;
    client.track("page_view");
    await client.events.setConsent(false);
    expect(client.events.pending()).toBe(0);
    client.track("page_view");
    await client.events.setConsent(true);
    client.track("page_view");
    await client.events.flush();
    expect(sent).toHaveLength(2);
    expect(sent[1]?.body.anonymousId).not.toBe(firstId);
  });

  it("respects Do Not Track unless the user consents", async () => {
    g.navigator ??= {} as { doNotTrack?: string };
    (g.navigator as { doNotTrack?: string }).doNotTrack = "1";
    const { client, sent } = httpClient();
    client.track("page_view");
    await client.events.flush();
    expect(sent).toEqual([]);
    await client.events.setConsent(true);
    client.track("page_view");
    await client.events.flush();
    expect(sent).toHaveLength(1);
  });

  it("keeps the anonymous id on the device across clients", async () => {
    const storage = memoryStorage();
    const ids: (string | undefined)[] = [];
    for (let i = 0; i < 2; i++) {
      const { client, sent } = httpClient(() => 200, { storage });
      client.track("page_view");
      await client.events.flush();
      ids.push(sent[0]?.body.anonymousId);
    }
    expect(ids[1]).toBe(ids[0]);
  });
});

describe("events in the stub", () => {
  const password = "a sturdy passphrase 42";
  const today = new Date().toISOString().slice(0, 10);

  async function stubAdmin(): Promise<{ client: Backline; storage: ReturnType<typeof memoryStorage> }> {
    const storage = memoryStorage();
    const client = createBackline({ mode: "stub", storage, stubAdmins: ["admin@example.com"] });
    await client.auth.signUp({ email: "admin@example.com", password, displayName: "Admin" });
    return { client, storage };
  }

  it("records events as the API judges them and answers the lesson funnel and active users from them", async () => {
    const { client } = await stubAdmin();
    client.track("lesson_started", { lessonId: "counting-beats" });
    client.track("lesson_started", { lessonId: "counting-beats" });
    client.track("lesson_completed", { lessonId: "counting-beats" });
    client.track("made_up_name");
    await client.events.flush();
    const range = { from: today, to: today };
    expect(await client.metrics.get("lesson-funnel", range)).toEqual([
      expect.objectContaining({ lessonId: "counting-beats", started: 2, completed: 1, completionRate: 0.5 }),
    ]);
    expect(await client.metrics.get("active-users", range)).toEqual([{ day: today, dau: 1, wau: 1, mau: 1 }]);
    expect(await client.metrics.get("signups", range)).toEqual([{ day: today, signUps: 1 }]);
  });

  it("metrics are for admins, over a valid range", async () => {
    const { client } = await stubAdmin();
    const error = await client.metrics
      .get("signups", { from: today, to: "2000-01-01" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BacklineError);
    expect((error as BacklineError).problem.errors?.map((e) => e.path)).toContain("query.to");
    await client.auth.signOut();
    await client.auth.signUp({ email: "learner@example.com", password, displayName: "L" });
    const refused = await client.metrics.get("signups", { from: today, to: today }).catch((e: unknown) => e);
    expect((refused as BacklineError).status).toBe(403);
  });

  it("merges the device's anonymous events into the account at sign-in, and starts a new id after sign-out", async () => {
    const storage = memoryStorage();
    const client = createBackline({ mode: "stub", storage });
    client.track("page_view");
    await client.events.flush();
    await client.auth.signUp({ email: "merge@example.com", password, displayName: "M" });
    client.track("signed_in");
    await client.events.flush();
    await client.auth.signOut();
    client.track("page_view");
    await client.events.flush();
    const db = JSON.parse((await storage.getItem("backline:stub:db")) ?? "{}") as {
      usageEvents: { name: string; userId: string | null; anonymousId: string }[];
    };
    const [first, second, third] = db.usageEvents;
    expect(first?.userId).toBe(second?.userId);
    expect(first?.userId).not.toBeNull();
    expect(first?.anonymousId).toBe(second?.anonymousId);
    expect(third).toMatchObject({ userId: null });
    expect(third?.anonymousId).not.toBe(first?.anonymousId);
  });

  it("answers the progress summary from the stub's own progress", async () => {
    const client = createBackline({ mode: "stub", storage: memoryStorage() });
    await client.auth.signUp({ email: "summary@example.com", password, displayName: "S" });
    await client.dataSync.saveProgress({ lessonId: "counting-beats", score: 90, completed: true });
    const summary = await client.progress.summary({ timeZone: "Europe/Berlin" });
    expect(summary).toMatchObject({
      timeZone: "Europe/Berlin",
      completedLessons: 1,
      currentStreak: 1,
      longestStreak: 1,
      recent: [expect.objectContaining({ lessonId: "counting-beats", completed: true })],
    });
    const bad = await client.progress.summary({ timeZone: "Mars/Base" }).catch((e: unknown) => e);
    expect((bad as BacklineError).status).toBe(400);
  });

  it("counts streak days in the zone, across a DST change, like the server", () => {
    // New York: Sat 9 and Mon 11 March 2024 (clocks went forward on the 10th); UTC: the 10th and 11th.
    const instants = ["2024-03-10T04:30:00Z", "2024-03-11T04:30:00Z"];
    const ny = instants.map((t) => localDay(t, "America/New_York"));
    expect(ny).toEqual(["2024-03-09", "2024-03-11"]);
    expect(streaksOf(ny, "2024-03-11")).toEqual({ current: 1, longest: 1 });
    expect(
      streaksOf(
        instants.map((t) => localDay(t, "UTC")),
        "2024-03-12",
      ),
    ).toEqual({ current: 2, longest: 2 });
    expect(streaksOf(ny, "2024-03-13")).toEqual({ current: 0, longest: 1 });
  });
});
