/** Provider sign-in, identities and change of email in the SDK: the stub's emulation, and http mode's navigation and error landing. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { BacklineError, createBackline, isMfaRequired, memoryStorage, PROBLEM_BASE } from "../src/index";

const password = "a sturdy passphrase 42";

function stubClient() {
  return createBackline({ mode: "stub", storage: memoryStorage(), stubStorage: memoryStorage() });
}

async function typeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BacklineError);
  return (error as BacklineError).type.replace(PROBLEM_BASE, "");
}

/** The token of the newest confirmation link the stub sent to `to`. */
async function confirmationToken(client: ReturnType<typeof stubClient>, to: string): Promise<string> {
  const [mail] = (await client.readStubMailbox(to)).filter((m) => m.template === "email-change-confirm");
  return new URL(/https?:\/\/\S+/.exec(mail?.text ?? "")?.[0] ?? "").searchParams.get("token") ?? "";
}

describe("stub mode", () => {
  it("offers both providers and signs a provider account in without leaving the page", async () => {
    const client = stubClient();
    expect((await client.auth.providers()).map((p) => p.id)).toEqual(["google", "github"]);
    await client.auth.signInWith("github", { stubAccount: { email: "octo@example.com", name: "Octo" } });
    expect(client.auth.getAuthState().user).toMatchObject({
      email: "octo@example.com",
      displayName: "Octo",
      emailVerified: true,
    });
    expect(await client.auth.listIdentities()).toEqual({
      hasPassword: false,
      identities: [{ provider: "github", email: "octo@example.com", linkedAt: expect.any(String) }],
    });
    // The same provider account signs in to the same user again.
    const id = client.auth.getAuthState().user?.id;
    await client.auth.signOut();
    await client.auth.signInWith("github", { stubAccount: { email: "octo@example.com" } });
    expect(client.auth.getAuthState().user?.id).toBe(id);
  });

  it("links and unlinks, with the server's refusals", async () => {
    const client = stubClient();
    await client.auth.signInWith("google", { stubAccount: { email: "taken@example.com" } });
    await client.auth.signOut();
    await client.auth.signUp({ email: "ada@example.com", password, displayName: "Ada" });
    expect(
      await typeOf(client.auth.linkIdentity("google", { stubAccount: { email: "taken@example.com" } })),
    ).toBe("oauth-identity-taken");
    await client.auth.linkIdentity("github");
    expect(await typeOf(client.auth.linkIdentity("github"))).toBe("oauth-provider-linked");
    expect((await client.auth.listIdentities()).identities.map((i) => i.provider)).toEqual(["github"]);
    expect((await client.readStubMailbox("ada@example.com")).map((m) => m.template)).toContain(
      "identity-added",
    );
    await client.auth.unlinkIdentity("github");
    expect(await typeOf(client.auth.unlinkIdentity("github"))).toBe("not-found");

    await client.auth.signOut();
    await client.auth.signInWith("google", { stubAccount: { email: "only@example.com" } });
    expect(await typeOf(client.auth.unlinkIdentity("google"))).toBe("last-sign-in-method");
  });

  it("changes the email once the new address confirms, with the server's refusals", async () => {
    const client = stubClient();
    await client.auth.signUp({ email: "held@example.com", password, displayName: "Holder" });
    await client.auth.signOut();
    await client.auth.signUp({ email: "old@example.com", password, displayName: "Mover" });
    expect(await typeOf(client.auth.changeEmail("new@example.com", "wrong password 1"))).toBe(
      "invalid-credentials",
    );
    expect(await typeOf(client.auth.changeEmail("new@example.com"))).toBe("validation");
    await client.auth.changeEmail("held@example.com", password);
    expect((await client.readStubMailbox("held@example.com"))[0]?.template).toBe("email-change-taken");

    await client.auth.changeEmail("new@example.com", password);
    expect(client.auth.getAuthState().user?.email).toBe("old@example.com");
    const token = await confirmationToken(client, "new@example.com");
    expect(await client.auth.confirmEmailChange(token)).toEqual({ email: "new@example.com" });
    expect(client.auth.getAuthState().user).toMatchObject({ email: "new@example.com", emailVerified: true });
    expect(await typeOf(client.auth.confirmEmailChange(token))).toBe("validation");
    expect((await client.readStubMailbox("old@example.com"))[0]?.template).toBe("email-changed");
  });
});

describe("stub mode: an account without a password", () => {
  afterEach(() => vi.useRealTimers());

  it("sets up an authenticator app, changes its email and deletes itself within 10 minutes of signing in, not later", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const client = stubClient();
    await client.auth.signInWith("google", { stubAccount: { email: "late@example.com" } });
    vi.setSystemTime(Date.now() + 11 * 60_000);
    expect(await typeOf(client.mfa.enrollTotp())).toBe("recent-sign-in-required");
    expect(await typeOf(client.auth.changeEmail("later@example.com"))).toBe("recent-sign-in-required");
    expect(await typeOf(client.auth.deleteAccount({}))).toBe("recent-sign-in-required");
    expect(client.auth.getAuthState().signedIn).toBe(true);

    // Signing in again opens the window.
    await client.auth.signOut();
    await client.auth.signInWith("google", { stubAccount: { email: "late@example.com" } });
    expect((await client.mfa.enrollTotp()).secret).toMatch(/^[A-Z2-7]+$/);
    await client.auth.deleteAccount({});
    expect(client.auth.getAuthState()).toEqual({ signedIn: false, user: null });
    expect((await client.readStubMailbox("late@example.com")).map((m) => m.template)).toContain(
      "account-deleted",
    );
  });
});

describe("http mode", () => {
  const globals = globalThis as Record<string, unknown>;
  afterEach(() => {
    delete globals.location;
    delete globals.history;
  });

  /** A page at `href` whose navigations and URL rewrites are recorded. */
  function page(href: string) {
    const assign = vi.fn();
    const replaceState = vi.fn();
    const url = new URL(href);
    globals.location = { href, search: url.search, origin: url.origin, assign };
    globals.history = { state: null, replaceState };
    return { assign, replaceState };
  }

  it("signInWith navigates to the API's start URL, returning to this page by default", async () => {
    const { assign } = page("https://app.example.com/studio");
    const client = createBackline({ mode: "http", baseUrl: "https://api.example.com", fetch: vi.fn() });
    await client.auth.signInWith("google");
    expect(assign).toHaveBeenCalledWith(
      `https://api.example.com/api/auth/oauth/google/start?redirect=${encodeURIComponent("https://app.example.com/studio")}`,
    );
  });

  it("init() turns the error the callback landed with into lastRedirectError() and removes it from the URL", async () => {
    const type = `${PROBLEM_BASE}oauth-denied`;
    const { replaceState } = page(`https://app.example.com/studio?tab=1&error=${encodeURIComponent(type)}`);
    const fetch = vi.fn(async () => new Response(null, { status: 401 }));
    const client = createBackline({ mode: "http", baseUrl: "https://api.example.com", fetch });
    expect(client.auth.lastRedirectError()).toBeNull();
    await client.auth.init();
    const error = client.auth.lastRedirectError();
    expect(error).toBeInstanceOf(BacklineError);
    expect(error).toMatchObject({ type, status: 403, title: "Sign-in was cancelled at the provider" });
    expect(replaceState).toHaveBeenCalledWith(null, "", "https://app.example.com/studio?tab=1");
  });

  it("init() turns a provider's mfa-required landing into the waiting sign-in's challenge", async () => {
    page(`https://app.example.com/?error=${encodeURIComponent(`${PROBLEM_BASE}mfa-required`)}`);
    const waiting = {
      mfaRequired: true,
      challenge: "c-123",
      expiresIn: 300,
      factors: ["totp", "recovery_code"],
    };
    const fetch = vi.fn(async (input: RequestInfo | URL) =>
      String(input).endsWith("/api/auth/mfa/pending")
        ? Response.json(waiting)
        : new Response(null, { status: 401 }),
    );
    const client = createBackline({ mode: "http", baseUrl: "https://api.example.com", fetch });
    await client.auth.init();
    const landing = client.auth.lastRedirectError();
    expect(isMfaRequired(landing)).toBe(true);
    expect(landing?.problem).toMatchObject({
      challenge: "c-123",
      expiresIn: 300,
      factors: ["totp", "recovery_code"],
    });
  });

  it("init() says so when the provider's waiting sign-in has expired", async () => {
    page(`https://app.example.com/?error=${encodeURIComponent(`${PROBLEM_BASE}mfa-required`)}`);
    const fetch = vi.fn(async (input: RequestInfo | URL) =>
      String(input).endsWith("/api/auth/mfa/pending")
        ? Response.json(
            { type: `${PROBLEM_BASE}mfa-no-pending-signin`, title: "No sign-in is waiting", status: 404 },
            { status: 404, headers: { "content-type": "application/problem+json" } },
          )
        : new Response(null, { status: 401 }),
    );
    const client = createBackline({ mode: "http", baseUrl: "https://api.example.com", fetch });
    await client.auth.init();
    const landing = client.auth.lastRedirectError();
    expect(isMfaRequired(landing)).toBe(false);
    expect(landing?.type).toBe(`${PROBLEM_BASE}mfa-no-pending-signin`);
  });

  it("leaves an app's own error parameter alone", async () => {
    const { replaceState } = page("https://app.example.com/?error=mine");
    const fetch = vi.fn(async () => new Response(null, { status: 401 }));
    const client = createBackline({ mode: "http", baseUrl: "https://api.example.com", fetch });
    await client.auth.init();
    expect(client.auth.lastRedirectError()).toBeNull();
    expect(replaceState).not.toHaveBeenCalled();
  });
});
