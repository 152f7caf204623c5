/**
 * What only http mode has: the access token's refresh on 401, waits on 429, Idempotency-Key
 * reuse across retries, and the offline queue. The worker is real; the network in between is
 * sometimes made to fail or to answer 429, through the browser's fetch.
 */
import { describe, expect, it } from "vitest";
import { type Backline, BacklineError } from "../client/src/index";
import { grantAdmin } from "../db/queries/admin";
import { createDb } from "../shared/clients";
import { loadConfig } from "../shared/config";
import { uniqueEmail } from "./contract/contract";
import { type Browser, httpClient, newBrowser } from "./contract/http-client";
import { randomIp, testEnv } from "./support/harness";

const PASSWORD = "a sturdy passphrase 42";

interface Sent {
  method: string;
  path: string;
  authorization: string | null;
  idempotencyKey: string | null;
}

/** A browser whose requests are logged, and which a test can take offline or make misbehave. */
function instrumentedBrowser(ip?: string) {
  const sent: Sent[] = [];
  const network = {
    offline: false,
    /** Answers the next N requests to a path with a 429 problem instead of sending them. */
    throttle: new Map<string, { times: number; retryAfter: string }>(),
    /** Lets the next request to a path reach the worker, then drops the answer. */
    dropAnswer: new Set<string>(),
    /** How many of the next requests with an access token reach the worker with an expired one. */
    expireNext: 0,
  };
  const browser: Browser = newBrowser(
    (next) => async (input, init) => {
      const request = new Request(input, init);
      const path = new URL(request.url).pathname;
      sent.push({
        method: request.method,
        path,
        authorization: request.headers.get("Authorization"),
        idempotencyKey: request.headers.get("Idempotency-Key"),
      });
      if (network.offline) throw new TypeError("Failed to fetch");
      const throttled = network.throttle.get(path);
      if (throttled && throttled.times > 0) {
        throttled.times--;
        return Response.json(
          {
            type: "https://backline.dev/problems/rate-limited",
            title: "Too many requests",
            status: 429,
            instance: path,
          },
          {
            status: 429,
            headers: { "Content-Type": "application/problem+json", "Retry-After": throttled.retryAfter },
          },
        );
      }
      const headers = new Headers(init?.headers);
      if (headers.has("Authorization") && network.expireNext > 0) {
        network.expireNext--;
        headers.set("Authorization", "Bearer expired.token.value");
      }
      const response = await next(input, { ...init, headers });
      if (network.dropAnswer.delete(path)) throw new TypeError("Network connection lost");
      return response;
    },
    ip,
  );
  return { browser, sent, network };
}

async function signedUp(client: Backline, tag = "transport") {
  const email = uniqueEmail(tag);
  const user = await client.auth.signUp({ email, password: PASSWORD, displayName: "Ada" });
  return { email, user };
}

describe("401: one refresh, then the request again", () => {
  it("refreshes once for several requests refused at the same time, and retries each", async () => {
    const { browser, sent, network } = instrumentedBrowser();
    const client = httpClient(browser);
    await signedUp(client);
    await client.dataSync.loadProgress();
    network.expireNext = 3;
    sent.length = 0;
    const all = Promise.all([
      client.sharing.listShares(),
      client.dataSync.loadProgress(),
      client.payment.getSubscription(),
    ]);
    const [shares, progress, subscription] = await all;
    expect([shares, progress, subscription]).toEqual([[], [], null]);
    expect(sent.filter((s) => s.path === "/api/auth/refresh")).toHaveLength(1);
    expect(sent.filter((s) => s.path === "/api/shares")).toHaveLength(2);
    expect(client.auth.getAuthState().signedIn).toBe(true);
  });

  it("signs out when the session cannot be refreshed", async () => {
    const { browser, network } = instrumentedBrowser();
    const client = httpClient(browser);
    await signedUp(client);
    const states: boolean[] = [];
    client.auth.onAuthStateChanged((s) => states.push(s.signedIn));
    await client.sharing.listShares();
    network.expireNext = 1;
    browser.jar.clear();
    const error = await client.sharing.listShares().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BacklineError);
    expect((error as BacklineError).status).toBe(401);
    expect(states).toEqual([true, false]);
    expect(await client.dataSync.syncPatterns()).toEqual({ uploaded: 0, downloaded: 0 });
  });
});

describe("429: wait for Retry-After, a bounded number of times", () => {
  it("waits and retries with the same Idempotency-Key", async () => {
    const { browser, sent, network } = instrumentedBrowser();
    const client = httpClient(browser);
    await signedUp(client);
    network.throttle.set("/api/progress", { times: 1, retryAfter: "1" });
    const started = Date.now();
    const progress = await client.dataSync.saveProgress({ lessonId: "counting-beats", score: 80 });
    expect(progress.attempts).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    const posts = sent.filter((s) => s.path === "/api/progress" && s.method === "POST");
    expect(posts).toHaveLength(2);
    expect(posts[0]?.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(posts[1]?.idempotencyKey).toBe(posts[0]?.idempotencyKey);
  });

  it("gives up after the retries, or at once when Retry-After is too long", async () => {
    const { browser, sent, network } = instrumentedBrowser();
    const client = httpClient(browser, { retry: { rateLimited: 1, maxWaitSeconds: 5 } });
    await signedUp(client);
    network.throttle.set("/api/shares", { times: 5, retryAfter: "0" });
    const error = (await client.sharing.listShares().catch((e: unknown) => e)) as BacklineError;
    expect([error.status, error.type, error.title]).toEqual([
      429,
      "https://backline.dev/problems/rate-limited",
      "Too many requests",
    ]);
    expect(sent.filter((s) => s.path === "/api/shares")).toHaveLength(2);
    network.throttle.set("/api/progress", { times: 1, retryAfter: "60" });
    expect((await client.dataSync.loadProgress().catch((e: unknown) => e)) as BacklineError).toMatchObject({
      status: 429,
    });
  });

  it("turns the worker's own 429 (sign-in throttle) into a BacklineError with its Retry-After too long to wait", async () => {
    const ip = randomIp();
    const client = httpClient(newBrowser(undefined, ip), { retry: { maxWaitSeconds: 5 } });
    const email = uniqueEmail("throttled");
    await httpClient(newBrowser()).auth.signUp({ email, password: PASSWORD, displayName: "Ada" });
    let last: BacklineError | undefined;
    for (let i = 0; i < 12 && last?.status !== 429; i++) {
      last = (await client.auth
        .signIn({ email, password: "wrong password 1" })
        .catch((e: unknown) => e)) as BacklineError;
    }
    expect(last).toBeInstanceOf(BacklineError);
    expect(last?.status).toBe(429);
  });
});

describe("network failures", () => {
  it("retries an unsafe request with the same Idempotency-Key, and the worker replays its answer", async () => {
    const { browser, sent, network } = instrumentedBrowser();
    const admin = httpClient(browser);
    const { email } = await signedUp(admin, "admin");
    await grantAdmin(createDb(loadConfig(testEnv)), email);
    await admin.auth.init();
    const id = `net-${crypto.randomUUID().slice(0, 8)}`;
    network.dropAnswer.add("/api/lessons");
    const lesson = await admin.content.createLesson({
      id,
      title: "Retried",
      category: "mixing",
      difficulty: "beginner",
    });
    expect(lesson).toMatchObject({ id, title: "Retried" });
    const posts = sent.filter((s) => s.path === "/api/lessons" && s.method === "POST");
    expect(posts).toHaveLength(2);
    expect(posts[1]?.idempotencyKey).toBe(posts[0]?.idempotencyKey);
    await admin.content.deleteLesson(id);
  });

  it("does not re-send an unsafe request the server does not deduplicate: the network error comes at once", async () => {
    const { browser, sent, network } = instrumentedBrowser();
    const client = httpClient(browser);
    await signedUp(client);
    const saved = await client.dataSync.savePattern({ name: "Shared once", tempo: 100, tracks: [] });
    network.dropAnswer.add("/api/shares");
    const error = (await client.sharing.createShareLink(saved.id).catch((e: unknown) => e)) as BacklineError;
    expect([error.status, error.type]).toEqual([0, "https://backline.dev/problems/network-error"]);
    const posts = sent.filter((s) => s.path === "/api/shares" && s.method === "POST");
    expect(posts).toHaveLength(1);
    expect(posts[0]?.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    // The request had reached the worker: exactly one share exists.
    expect(await client.sharing.listShares()).toHaveLength(1);
  });

  it("sends the queue when the browser fires `online`", async () => {
    const { browser, sent, network } = instrumentedBrowser();
    const laptop = httpClient(browser, { retry: { network: 0 } });
    await signedUp(laptop);
    network.offline = true;
    const saved = await laptop.dataSync.savePattern({ name: "Queued", tempo: 100, tracks: [] });
    expect(saved.syncState).toBe("pending");
    network.offline = false;
    sent.length = 0;
    // The page fires `online` when the connection returns.
    (globalThis as unknown as EventTarget).dispatchEvent(new Event("online"));
    await expect.poll(() => sent.map((s) => s.path), { timeout: 5000 }).toContain("/api/patterns/sync");
    network.offline = true;
    expect((await laptop.dataSync.loadPatterns())[0]).toMatchObject({
      id: saved.id,
      syncState: "synced",
      version: 1,
    });
  });

  it("keeps saves made offline and sends them once back online", async () => {
    const { browser, network } = instrumentedBrowser();
    const laptop = httpClient(browser, { retry: { network: 0 } });
    const { email } = await signedUp(laptop);
    network.offline = true;
    const saved = await laptop.dataSync.savePattern({
      name: "On the train",
      tempo: 100,
      tracks: [{ instrument: "hat", steps: [true, true], volume: 0.5 }],
    });
    expect(saved).toMatchObject({ version: 0, syncState: "pending" });
    expect(await laptop.dataSync.loadPatterns()).toEqual([saved]);
    const offline = (await laptop.dataSync.syncPatterns().catch((e: unknown) => e)) as BacklineError;
    expect([offline.status, offline.type]).toEqual([0, "https://backline.dev/problems/network-error"]);
    expect(await laptop.dataSync.saveProgress({ lessonId: "panning", score: 60 })).toMatchObject({
      attempts: 1,
    });

    network.offline = false;
    expect(await laptop.dataSync.syncPatterns()).toEqual({ uploaded: 1, downloaded: 0 });
    expect((await laptop.dataSync.syncProgress()).uploaded).toBe(1);
    const phone = httpClient(newBrowser());
    await phone.auth.signIn({ email, password: PASSWORD });
    expect(await phone.dataSync.loadPatterns()).toEqual([
      expect.objectContaining({ id: saved.id, name: "On the train", version: 1, syncState: "synced" }),
    ]);
    expect((await phone.dataSync.loadProgress()).map((p) => p.lessonId)).toEqual(["panning"]);
  });
});
