/**
 * The admin namespace's console calls: the user view with sessions, revoking one session, the
 * lessons' order in one request, subscriptions and invoices; in stub mode from the stub's own
 * data, in http mode as the requests the API expects.
 */
import { describe, expect, it } from "vitest";
import { BacklineError, createBackline, memoryStorage } from "../src/index";

const PASSWORD = "correct horse battery staple";

async function stubWithAdmin() {
  const world = memoryStorage();
  const client = (storage = memoryStorage()) =>
    createBackline({ mode: "stub", stubStorage: world, storage, stubAdmins: ["boss@example.com"] });
  const learner = client();
  const learnerUser = await learner.auth.signUp({
    email: "lee@example.com",
    password: PASSWORD,
    displayName: "Lee",
  });
  const laptop = client();
  await laptop.auth.signIn({ email: "lee@example.com", password: PASSWORD });
  const admin = client();
  await admin.auth.signUp({ email: "boss@example.com", password: PASSWORD, displayName: "Boss" });
  return { admin, learner, laptop, learnerUser };
}

const problemOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BacklineError);
  return (error as BacklineError).problem;
};

describe("admin console calls in stub mode", () => {
  it("shows the user's live sessions; revoking one signs out that device only", async () => {
    const { admin, learner, laptop, learnerUser } = await stubWithAdmin();
    const view = await admin.admin.users.get(learnerUser.id);
    expect(view.sessions).toHaveLength(2);
    expect(view.subscription).toBeNull();
    expect(view.audit).toEqual({ entries: [], nextCursor: null });

    const laptopSession = (await laptop.auth.listSessions()).find((s) => s.current);
    await admin.admin.users.revokeSession(learnerUser.id, laptopSession?.id ?? "");
    expect((await admin.admin.users.get(learnerUser.id)).sessions.map((s) => s.id)).not.toContain(
      laptopSession?.id,
    );
    expect((await problemOf(laptop.auth.listSessions())).status).toBe(401);
    expect(await learner.auth.listSessions()).toHaveLength(1);
    expect(
      (await problemOf(admin.admin.users.revokeSession(learnerUser.id, laptopSession?.id ?? ""))).status,
    ).toBe(404);
  });

  it("reorders a category's lessons in one call; an incomplete list is the field error", async () => {
    const { admin } = await stubWithAdmin();
    const inCategory = async () =>
      (await admin.content.loadCurriculum())
        .filter((l) => l.category === "rhythm-basics")
        .sort((a, b) => a.position - b.position)
        .map((l) => l.id);
    const before = await inCategory();
    expect(before.length).toBeGreaterThan(2);
    const reversed = [...before].reverse();
    await admin.admin.lessons.reorder("rhythm-basics", reversed);
    expect(await inCategory()).toEqual(reversed);

    const problem = await problemOf(admin.admin.lessons.reorder("rhythm-basics", reversed.slice(1)));
    expect(problem.status).toBe(400);
    expect(problem.errors).toEqual([{ path: "lessonIds", message: expect.stringMatching(/leaves out/) }]);
    expect(await inCategory()).toEqual(reversed);
  });

  it("lists no subscriptions or invoices before any checkout, and refuses learners", async () => {
    const { admin, learner, learnerUser } = await stubWithAdmin();
    expect(await admin.admin.subscriptions.list({ status: "active" })).toEqual({
      subscriptions: [],
      nextCursor: null,
    });
    expect(await admin.admin.users.invoices(learnerUser.id)).toEqual({ invoices: [], nextCursor: null });
    expect((await problemOf(learner.admin.subscriptions.list())).status).toBe(403);
    expect((await problemOf(learner.admin.lessons.reorder("rhythm-basics", ["counting-beats"]))).status).toBe(
      403,
    );
  });
});

describe("admin console calls in http mode", () => {
  it("sends the reorder, the session revoke and the list queries as the API expects", async () => {
    const requests: string[] = [];
    const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      const url = new URL(request.url);
      requests.push(
        `${request.method} ${url.pathname}${url.search} ${request.body ? await request.text() : ""}`.trim(),
      );
      if (request.method !== "GET") return new Response(null, { status: 204 });
      return Response.json({ subscriptions: [], invoices: [], nextCursor: null });
    }) as typeof fetch;
    const client = createBackline({
      mode: "http",
      baseUrl: "https://api.test",
      fetch: fetcher,
      storage: memoryStorage(),
    });
    const user = "7c0b7a8e-0f4a-4f57-9a53-0d9f4f1f3a11";
    const session = "1d6f3c1e-5d1b-4b43-8a53-3c1f2e4d5a66";
    await client.admin.lessons.reorder("rhythm-basics", ["b", "a"]);
    await client.admin.users.revokeSession(user, session);
    await client.admin.subscriptions.list({ status: "past_due", limit: 10 });
    await client.admin.users.invoices(user);
    expect(requests).toEqual([
      'POST /api/lessons/reorder {"category":"rhythm-basics","lessonIds":["b","a"]}',
      `DELETE /api/admin/users/${user}/sessions/${session}`,
      "GET /api/admin/subscriptions?status=past_due&limit=10",
      `GET /api/admin/users/${user}/invoices`,
    ]);
  });
});
