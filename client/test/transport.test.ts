/** http mode's transport against a scripted fetch: what is re-sent after a network failure, refreshes, and URLs. */
import { describe, expect, it } from "vitest";
import { app } from "../../functions/index";
import { checkedUrl, httpBackend } from "../src/http/backend";
import { IDEMPOTENT_POSTS, Transport } from "../src/http/transport";
import { BacklineError } from "../src/index";

interface Seen {
  method: string;
  path: string;
  authorization: string | null;
  idempotencyKey: string | null;
}

/** A fetch answering with `answer` (a thrown error is a network failure) and logging each request. */
function scripted(answer: (seen: Seen, n: number) => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const s = {
      method: request.method,
      path: new URL(request.url).pathname,
      authorization: request.headers.get("Authorization"),
      idempotencyKey: request.headers.get("Idempotency-Key"),
    };
    seen.push(s);
    return answer(s, seen.length);
  }) as typeof fetch;
  return { seen, fetcher };
}

const RETRY = { rateLimited: 0, network: 1, maxWaitSeconds: 1 };
const lost = () => {
  throw new TypeError("Failed to fetch");
};
const token = (value: string, expiresIn = 900) => Response.json({ accessToken: value, expiresIn });
const unauthorized = () =>
  Response.json(
    { type: "https://backline.dev/problems/unauthorized", title: "Authentication required", status: 401 },
    { status: 401, headers: { "Content-Type": "application/problem+json" } },
  );

describe("network failures", () => {
  it("lists exactly the POST/PATCH routes whose server honours Idempotency-Key", () => {
    const honoured = app.routes
      .filter((r) => r.handler.name === "idempotencyMiddleware")
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
    expect([...IDEMPOTENT_POSTS].sort()).toEqual([...new Set(honoured)].sort());
  });

  it.each([
    ["post", "/api/progress"],
    ["post", "/api/shares"],
    ["post", "/api/auth/signup"],
    ["post", "/api/billing/cancel"],
    ["post", "/api/billing/resume"],
    ["post", "/api/billing/portal"],
  ] as const)("does not re-send %s %s, whose server may have handled it", async (method, path) => {
    const { seen, fetcher } = scripted(lost);
    const api = new Transport("http://api.test", fetcher, { ...RETRY, network: 2 });
    const error = (await api.send(method, path, { body: {} }).catch((e: unknown) => e)) as BacklineError;
    expect(error).toBeInstanceOf(BacklineError);
    expect([error.status, error.type]).toEqual([0, "https://backline.dev/problems/network-error"]);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    ["get", "/api/shares"],
    ["put", "/api/lessons/{id}"],
    ["delete", "/api/shares/{shareId}"],
    ["post", "/api/lessons"],
    ["post", "/api/billing/checkout"],
  ] as const)("re-sends %s %s with the same Idempotency-Key", async (method, path) => {
    const { seen, fetcher } = scripted((_, n) => (n === 1 ? lost() : Response.json({ ok: true })));
    const api = new Transport("http://api.test", fetcher, RETRY);
    expect(await api.send(method, path, { params: { id: "a", shareId: "b" } })).toEqual({ ok: true });
    expect(seen).toHaveLength(2);
    expect(seen[1]?.idempotencyKey).toBe(seen[0]?.idempotencyKey);
    expect(seen[0]?.idempotencyKey === null).toBe(method === "get");
  });
});

describe("refresh", () => {
  it("still refreshes on a 401 when the early refresh of an expiring token failed", async () => {
    let refreshes = 0;
    const { seen, fetcher } = scripted((s) => {
      if (s.path === "/api/auth/refresh") return ++refreshes === 1 ? lost() : token("fresh");
      return s.authorization === "Bearer fresh" ? Response.json({ shares: [] }) : unauthorized();
    });
    const api = new Transport("http://api.test", fetcher, { ...RETRY, network: 0 });
    api.setToken("expiring", 5);
    expect(await api.send("get", "/api/shares")).toEqual({ shares: [] });
    expect(seen.map((s) => `${s.path} ${s.authorization}`)).toEqual([
      "/api/auth/refresh null",
      "/api/shares Bearer expiring",
      "/api/auth/refresh null",
      "/api/shares Bearer fresh",
    ]);
  });

  it("does not refresh twice when the early refresh worked", async () => {
    const { seen, fetcher } = scripted((s) =>
      s.path === "/api/auth/refresh" ? token("fresh") : unauthorized(),
    );
    const api = new Transport("http://api.test", fetcher, RETRY);
    api.setToken("expiring", 5);
    expect(((await api.send("get", "/api/shares").catch((e: unknown) => e)) as BacklineError).status).toBe(
      401,
    );
    expect(seen.map((s) => s.path)).toEqual(["/api/auth/refresh", "/api/shares"]);
  });

  it("does not refresh for a wrong password typed to confirm an action (a 401 about the password, not the token)", async () => {
    const { seen, fetcher } = scripted((s) =>
      s.path === "/api/auth/refresh"
        ? token("fresh")
        : Response.json(
            {
              type: "https://backline.dev/problems/invalid-credentials",
              title: "Email or password is incorrect",
              status: 401,
              detail: "The current password is wrong.",
            },
            { status: 401, headers: { "Content-Type": "application/problem+json" } },
          ),
    );
    const api = new Transport("http://api.test", fetcher, RETRY);
    api.setToken("live", 900);
    const error = (await api
      .send("post", "/api/auth/password/change", { body: {} })
      .catch((e: unknown) => e)) as BacklineError;
    expect([error.status, error.detail]).toEqual([401, "The current password is wrong."]);
    expect(seen.map((s) => s.path)).toEqual(["/api/auth/password/change"]);
    expect(api.signedIn).toBe(true);
  });

  it("drops the answer of a refresh still in flight when the token is cleared (sign-out)", async () => {
    let answer: (r: Response) => void = () => {};
    const { fetcher } = scripted(() => new Promise<Response>((resolve) => (answer = resolve)));
    const api = new Transport("http://api.test", fetcher, RETRY);
    api.setToken("old", 900);
    const refreshing = api.refresh();
    await Promise.resolve();
    api.clearToken();
    answer(token("revived"));
    expect(await refreshing).toBe(false);
    expect(api.signedIn).toBe(false);
  });

  it("starts a new refresh after the token was cleared instead of joining the stale one", async () => {
    const answers: ((r: Response) => void)[] = [];
    const { seen, fetcher } = scripted(() => new Promise<Response>((resolve) => answers.push(resolve)));
    const api = new Transport("http://api.test", fetcher, RETRY);
    const stale = api.refresh();
    api.clearToken();
    const fresh = api.refresh();
    await Promise.resolve();
    expect(seen).toHaveLength(2);
    answers[0]?.(unauthorized());
    answers[1]?.(token("new"));
    expect([await stale, await fresh, api.signedIn]).toEqual([false, true, true]);
  });
});

describe("URLs the frontend navigates to", () => {
  it.each([
    "https://checkout.stripe.com/c/pay/cs_1",
    "http://localhost:8788/share/abc",
    "http://127.0.0.1:9999/_stripe/checkout/cs_1",
    "http://[::1]:8788/x",
  ])("accepts %s", (url) => {
    expect(checkedUrl({ url }, "/api/billing/checkout")).toEqual({ url });
  });

  it.each([
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "http://evil.example.com/pay",
    "//evil.example.com/pay",
    "/relative",
    "ftp://files.example.com/x",
  ])("refuses %s", (url) => {
    expect(() => checkedUrl({ url }, "/api/billing/checkout")).toThrow(BacklineError);
  });

  it("checks checkout, portal and share results", async () => {
    const { fetcher } = scripted((s) =>
      Response.json(
        { id: "cs_1", url: "javascript:alert(document.cookie)", shareId: "s", patternId: "p" },
        { status: s.path === "/api/shares" ? 201 : 200 },
      ),
    );
    const backend = httpBackend("http://api.test", fetcher, RETRY);
    for (const call of [
      () => backend.checkout("price_premium_monthly"),
      () => backend.portal(),
      () => backend.createShare({ patternId: "p" } as never),
    ]) {
      const error = (await call().catch((e: unknown) => e)) as BacklineError;
      expect(error).toBeInstanceOf(BacklineError);
      expect([error.status, error.type]).toEqual([502, "https://backline.dev/problems/unsafe-url"]);
    }
  });
});
