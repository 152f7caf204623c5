/**
 * Shared by the browser tests: the run's browser, fresh contexts, pages of the demo app in
 * either SDK mode, waiting on what a person would see, screenshots, and the API seen from Node.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject } from "vitest";
import type { DevReady } from "../../dev/run";

export type Mode = "stub" | "http";
export const MODES: Mode[] = ["http", "stub"];
export const PASSWORD = "Backline-demo-password-42";

const env = inject("browserEnv");

/** `describe` that skips (loudly, in global setup) when there is no chromium. */
export const describeBrowser = env.skip === undefined ? describe : describe.skip;

/** Where the dev system of this run listens. */
export function dev(): DevReady {
  if (env.skip !== undefined) throw new Error(env.skip);
  return env.dev;
}

/** Per file: one connection to the run's browser; per test: fresh contexts, closed afterwards. */
export function useBrowser(file: string): {
  context(options?: { clipboard?: boolean }): Promise<BrowserContext>;
  open(context: BrowserContext, mode: Mode, path?: string): Promise<Page>;
  shot(page: Page, step: string): Promise<void>;
} {
  let browser: Browser | undefined;
  let contexts: BrowserContext[] = [];
  let shots = 0;
  const pageErrors: string[] = [];
  let consoleLines: string[] = [];
  beforeAll(async () => {
    if (env.skip !== undefined) return;
    browser = await chromium.connect(env.browserWsEndpoint);
  });
  afterEach(async (test) => {
    if (test.task.result?.state === "fail" && env.skip === undefined) {
      const pages = contexts.flatMap((c) => c.pages());
      const base = `${file}-FAILED-${test.task.name.replace(/[^a-z0-9]+/gi, "-")}`;
      await Promise.all(
        pages.map((page, i) =>
          page
            .screenshot({ path: join(env.artifactsDir, `${base}-${i}.png`), fullPage: true })
            .catch(() => undefined),
        ),
      );
      if (consoleLines.length > 0) console.error(`page console:\n${consoleLines.join("\n")}`);
    }
    consoleLines = [];
    await Promise.all(contexts.map((c) => c.close()));
    contexts = [];
    const errors = pageErrors.splice(0);
    if (errors.length > 0) throw new Error(`uncaught errors in the page:\n${errors.join("\n")}`);
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    async context(options = {}) {
      if (!browser) throw new Error("no browser");
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      // Each context is its own client, as people are: the API's per-IP limits (sign-up, sign-in,
      // refresh: 30 a minute) would otherwise count every test of the run as one visitor. The
      // header is added on the wire, so the page's CORS requests stay as they are.
      const ip = `10.${randomBytes(3).join(".")}`;
      await context.route(`${new URL(dev().apiUrl).origin}/**`, (route) =>
        route.continue({ headers: { ...route.request().headers(), "cf-connecting-ip": ip } }),
      );
      if (options.clipboard) {
        await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: dev().webUrl });
      }
      context.on("weberror", (error) => pageErrors.push(String(error.error().stack ?? error.error())));
      context.on("console", (message) => consoleLines.push(`[${message.type()}] ${message.text()}`));
      contexts.push(context);
      return context;
    },
    async open(context, mode, path = "/") {
      const page = await context.newPage();
      const url = new URL(path, dev().webUrl);
      if (mode === "http") url.searchParams.set("backend", "real");
      await page.goto(url.toString());
      await ready(page);
      return page;
    },
    async shot(page, step) {
      shots += 1;
      // A page behind another tab gets no animation frames; its screenshot waits ~3 s for one.
      await page.bringToFront();
      const name = `${file}-${String(shots).padStart(2, "0")}-${step.replace(/[^a-z0-9]+/gi, "-")}.png`;
      await page.screenshot({
        path: join(env.skip === undefined ? env.artifactsDir : ".", name),
        fullPage: true,
      });
    },
  };
}

/** Waits until the page's script finished starting and no network action is in flight. */
export async function ready(page: Page): Promise<void> {
  await page.waitForSelector("body[data-ready='true']", { timeout: 20_000 });
  await idle(page);
}

/** Waits until no network action of the app is in flight. */
export async function idle(page: Page): Promise<void> {
  await page.waitForFunction(() => !document.body.hasAttribute("aria-busy"), undefined, { timeout: 20_000 });
}

/** Waits until the locator's text matches, failing with the text it last had. */
export async function expectText(locator: Locator, expected: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    last = (await locator.textContent({ timeout: timeoutMs }).catch(() => null)) ?? "";
    if (expected.test(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`expected text matching ${expected}, got ${JSON.stringify(last)}`);
}

/** Waits until `probe` returns something truthy, failing with `what`. */
export async function eventually<T>(what: string, probe: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(
    `timed out waiting for ${what} (last: ${last instanceof Error ? last.message : String(last)})`,
  );
}

/** The error the page shows, or "" when none. */
export async function shownError(page: Page): Promise<string> {
  const box = page.locator("#error");
  return (await box.isVisible()) ? ((await box.textContent()) ?? "") : "";
}

export function uniqueEmail(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString("hex")}@example.com`;
}

/** Signs up through the page's account form; the page shows the user signed in. */
export async function signUp(page: Page, email: string, displayName = "Ada"): Promise<void> {
  await page.fill("#email", email);
  await page.fill("#password", PASSWORD);
  await page.fill("#display-name", displayName);
  await page.click("#sign-up");
  await expectText(page.locator("#auth-state"), /^Signed in as /);
  await idle(page);
}

/** Signs in through the page's account form; the page shows the user signed in. */
export async function signIn(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.fill("#email", email);
  await page.fill("#password", password);
  await page.click("#sign-in");
  await expectText(page.locator("#auth-state"), /^Signed in as /);
  await idle(page);
}

export async function signOut(page: Page): Promise<void> {
  await page.click("#sign-out");
  await expectText(page.locator("#auth-state"), /^Signed out$/);
  await idle(page);
}

/** Turns steps of the editor's grid on: [trackIndex, stepIndex] pairs. */
export async function toggleSteps(page: Page, steps: [number, number][]): Promise<void> {
  for (const [t, s] of steps) await page.click(`#grid button[data-track="${t}"][data-step="${s}"]`);
}

/** The API from Node (the page's origin is added where the API checks it). */
export const api = {
  async request(path: string, init: { method?: string; token?: string; body?: unknown } = {}) {
    const res = await fetch(`${dev().apiDirectUrl}${path}`, {
      method: init.method ?? (init.body === undefined ? "GET" : "POST"),
      headers: {
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        origin: dev().webUrl,
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  },
  async signUp(email: string, displayName = "Grace"): Promise<string> {
    const res = await api.request("/api/auth/signup", { body: { email, password: PASSWORD, displayName } });
    if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.accessToken as string;
  },
  async signIn(email: string): Promise<string> {
    const res = await api.request("/api/auth/signin", { body: { email, password: PASSWORD } });
    if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.accessToken as string;
  },
  /** The user's live patterns as the server has them. */
  async patterns(token: string): Promise<{ id: string; name: string; tracks: { steps: unknown[] }[] }[]> {
    const res = await api.request("/api/patterns", { token });
    if (res.status !== 200) throw new Error(`GET /api/patterns: ${res.status}`);
    return res.body.items as { id: string; name: string; tracks: { steps: unknown[] }[] }[];
  },
};

/**
 * Opens the newest invitation emailed to `address` (the stub mailbox, or the dev mail stand-in's
 * page on the real API) and follows its link to the join page.
 */
export async function openInvitation(context: BrowserContext, mode: Mode, address: string): Promise<Page> {
  const tab = await context.newPage();
  if (mode === "stub") {
    await tab.goto(`${dev().webUrl}/stub/mailbox?to=${encodeURIComponent(address)}`);
    await ready(tab);
    await tab.locator('li.mail[data-template="team-invitation"] a.mail-link').first().click();
  } else {
    const link = await eventually(`the invitation email to ${address}`, async () => {
      await tab.goto(`${dev().mailboxUrl}?to=${encodeURIComponent(address)}`);
      const article = tab.locator("article", { hasText: "/join?token=" }).first();
      if ((await article.count()) === 0) return undefined;
      return /https?:\/\/\S+\/join\?token=\S+/.exec((await article.locator("pre").textContent()) ?? "")?.[0];
    });
    await tab.goto(link as string);
  }
  await tab.waitForURL((url) => url.pathname.endsWith("/join"));
  await ready(tab);
  return tab;
}

/** On the join page: signs up with the invited address, accepts, and lands in the team. */
export async function joinBySignUp(tab: Page, email: string, name: string, teamId: string): Promise<void> {
  expect(await tab.inputValue("#join-email")).toBe(email);
  await tab.fill("#join-password", PASSWORD);
  await tab.fill("#join-name", name);
  await tab.click("#join-sign-up");
  await tab.waitForURL((url) => url.searchParams.get("team") === teamId);
  await ready(tab);
  await tab.waitForSelector(`#team-detail[data-team-id="${teamId}"]`);
  await idle(tab);
}
