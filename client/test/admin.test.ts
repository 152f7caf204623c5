/** The admin namespace: the stub answers from its own data; http sends the caller's Idempotency-Key. */
import { describe, expect, it } from "vitest";
import { BacklineError, createBackline, memoryStorage } from "../src/index";

const PASSWORD = "correct horse battery staple";

async function stubWithAdmin() {
  const world = memoryStorage();
  const client = (storage = memoryStorage()) =>
    createBackline({ mode: "stub", stubStorage: world, storage, stubAdmins: ["boss@example.com"] });
  const learner = client();
  const learnerUser = await learner.auth.signUp({
    email: "learner@example.com",
    password: PASSWORD,
    displayName: "Lee",
  });
  const admin = client();
  await admin.auth.signUp({ email: "boss@example.com", password: PASSWORD, displayName: "Boss" });
  return { admin, learner, learnerUser };
}

const problemOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BacklineError);
  return (error as BacklineError).problem;
};

describe("admin in stub mode", () => {
  it("searches and shows users with their second factors", async () => {
    const { admin, learnerUser } = await stubWithAdmin();
    const { users, nextCursor } = await admin.admin.users.list({ q: "learner" });
    expect(users.map((u) => u.email)).toEqual(["learner@example.com"]);
    expect(nextCursor).toBeNull();
    const shown = await admin.admin.users.get(learnerUser.id);
    expect(shown).toMatchObject({ role: "user", disabled: false, mfa: { totp: false, passkeys: 0 } });
  });

  it("pages through every user once, following nextCursor", async () => {
    const { admin } = await stubWithAdmin();
    const first = await admin.admin.users.list({ limit: 1 });
    expect(first.users).toHaveLength(1);
    const second = await admin.admin.users.list({ limit: 1, cursor: first.nextCursor ?? "" });
    expect(second.nextCursor).toBeNull();
    const emails = [...first.users, ...second.users].map((u) => u.email).sort();
    expect(emails).toEqual(["boss@example.com", "learner@example.com"]);
  });

  it("changes a role, disables, and signs the user out everywhere", async () => {
    const { admin, learner, learnerUser } = await stubWithAdmin();
    await admin.admin.users.update(learnerUser.id, { role: "admin", disabled: true });
    expect(await admin.admin.users.get(learnerUser.id)).toMatchObject({ role: "admin", disabled: true });
    expect((await problemOf(learner.auth.listSessions())).status).toBe(401);
  });

  it("rejects an empty change with the field problem", async () => {
    const { admin, learnerUser } = await stubWithAdmin();
    const problem = await problemOf(admin.admin.users.update(learnerUser.id, {}));
    expect(problem.status).toBe(400);
  });

  it("answers empty where the stub has no data, and refuses non-admins", async () => {
    const { admin, learner } = await stubWithAdmin();
    expect(await admin.admin.auditLogs.list()).toEqual({ entries: [], nextCursor: null });
    expect(await admin.admin.webhookEvents.list({ status: "failed" })).toEqual({
      events: [],
      nextCursor: null,
    });
    expect((await problemOf(admin.admin.webhookEvents.replay("evt_1"))).status).toBe(404);
    expect((await problemOf(learner.admin.users.list())).status).toBe(403);
  });
});

describe("admin in http mode", () => {
  it("sends the caller's Idempotency-Key with a refund, the same on a retry", async () => {
    const keys: (string | null)[] = [];
    const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
      keys.push(new Request(input, init).headers.get("Idempotency-Key"));
      return Response.json(
        { id: "re_1", invoiceId: "in_1", amount: 500, currency: "eur", status: "succeeded", reason: null },
        { status: 201 },
      );
    }) as typeof fetch;
    const client = createBackline({
      mode: "http",
      baseUrl: "https://api.test",
      fetch: fetcher,
      storage: memoryStorage(),
    });
    const input = { invoiceId: "in_1", amount: 500, reason: "requested_by_customer" as const };
    await client.admin.refund(input, "refund-key-1");
    await client.admin.refund(input, "refund-key-1");
    expect(keys).toEqual(["refund-key-1", "refund-key-1"]);
  });
});
