/**
 * For the browser suites that run in Chromium and in Firefox from one test body: both browsers
 * driven by puppeteer-core over WebDriver BiDi, both Debian's own binaries (never a downloaded
 * browser). playwright-core, which the other browser suites use, cannot drive a stock Firefox;
 * puppeteer-core speaks BiDi to Firefox natively and to Chromium through its chromium-bidi mapper.
 * One protocol for both keeps the runs comparable: `page.evaluate` hands back the same values in
 * both (a `Date` stays a `Date`; over Chromium's DevTools protocol it would arrive as `{}`).
 * What differs between the browsers is kept here, in `launchOptions` and `grantClipboard`.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import puppeteer, {
  type Browser,
  type BrowserContext,
  type ConsoleMessage,
  type LaunchOptions,
  type Page,
} from "puppeteer-core";
import { afterAll, afterEach, beforeAll, inject } from "vitest";
import { CHROMIUM_ARGS } from "../global-setup";
import { dev, type Mode } from "../support";

export type BrowserName = "chromium" | "firefox";

/** A browser a suite runs in, or why it is skipped (the global setup said so loudly). */
export type Target =
  | { name: BrowserName; executablePath: string; skip?: undefined }
  | { name: BrowserName; skip: string };

const env = inject("browserEnv");
const VIEWPORT = { width: 1280, height: 900 };

/** The browsers of this run, Chromium first. */
export function targets(): Target[] {
  if (env.skip !== undefined) {
    return [
      { name: "chromium", skip: env.skip },
      { name: "firefox", skip: env.skip },
    ];
  }
  const { chromium, firefox } = env.executables;
  return [
    { name: "chromium", executablePath: chromium },
    firefox
      ? { name: "firefox", executablePath: firefox }
      : { name: "firefox", skip: "firefox-esr is not installed" },
  ];
}

function launchOptions(name: BrowserName, executablePath: string): LaunchOptions {
  const common = {
    executablePath,
    headless: true,
    defaultViewport: VIEWPORT,
    protocol: "webDriverBiDi",
  } as const;
  // Chromium gets the flags that keep Debian's chromium quiet and offline; puppeteer's own
  // Firefox preferences already switch off updates, data reporting and the first-run pages.
  return name === "chromium"
    ? { ...common, browser: "chrome", args: CHROMIUM_ARGS }
    : { ...common, browser: "firefox" };
}

/**
 * Lets the page write and read the clipboard as a person's click would. Chromium asks for
 * permissions; Firefox has no clipboard permission to grant (BiDi `permissions.setPermission`
 * refuses "clipboard-read" as an unknown name): it writes on a click and reads what the same
 * origin wrote without its paste prompt.
 */
async function grantClipboard(name: BrowserName, context: BrowserContext, origin: string): Promise<void> {
  if (name === "firefox") return;
  await context.setPermission(
    origin,
    { permission: { name: "clipboard-read" }, state: "granted" },
    { permission: { name: "clipboard-write" }, state: "granted" },
  );
}

/** One person's browser: a fresh context whose pages all run the init scripts added so far. */
export interface Profile {
  page(): Promise<Page>;
  addInitScript(script: string): void;
}

/**
 * Inside a suite's `describe`: launches the target browser for it and closes it afterwards;
 * per test, fresh profiles, closed afterwards (with screenshots and the console when it failed).
 */
export function usePuppeteer(
  file: string,
  target: Target,
): {
  profile(options?: { clipboard?: boolean }): Promise<Profile>;
  open(profile: Profile, mode: Mode, path?: string): Promise<Page>;
  shot(page: Page, step: string): Promise<void>;
} {
  let browser: Browser | undefined;
  let contexts: BrowserContext[] = [];
  let shots = 0;
  const pageErrors: string[] = [];
  let consoleLines: string[] = [];
  const artifact = (name: string) =>
    join(env.skip === undefined ? env.artifactsDir : ".", `${file}-${target.name}-${name}.png`);

  beforeAll(async () => {
    if (target.skip !== undefined) return;
    browser = await puppeteer.launch(launchOptions(target.name, target.executablePath));
  });
  afterEach(async (test) => {
    if (test.task.result?.state === "fail" && browser) {
      const pages = (await Promise.all(contexts.map((c) => c.pages()))).flat();
      const base = `FAILED-${test.task.name.replace(/[^a-z0-9]+/gi, "-")}`;
      await Promise.all(
        pages.map((page, i) =>
          page.screenshot({ path: artifact(`${base}-${i}`), fullPage: true }).catch(() => undefined),
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

  /** A page that reports its errors and console, and reaches the API as this profile's client. */
  async function instrumentedPage(context: BrowserContext, ip: string, scripts: string[]): Promise<Page> {
    const page = await context.newPage();
    page.on("pageerror", (error) =>
      pageErrors.push(error instanceof Error ? (error.stack ?? error.message) : String(error)),
    );
    page.on("console", (message: ConsoleMessage) =>
      consoleLines.push(`[${message.type()}] ${message.text()}`),
    );
    // Each profile is its own client, as people are: the API's per-IP limits (sign-up, sign-in,
    // refresh: 30 a minute) would otherwise count every test of the run as one visitor. The
    // header is added on the wire, so the page's CORS requests stay as they are.
    const api = new URL(dev().apiUrl).origin;
    await page.setRequestInterception(true);
    page.on("request", (request) => {
      if (request.isInterceptResolutionHandled()) return;
      if (!request.url().startsWith(`${api}/`)) return void request.continue();
      void request.continue({ headers: { ...request.headers(), "cf-connecting-ip": ip } });
    });
    for (const script of scripts) await page.evaluateOnNewDocument(script);
    return page;
  }

  return {
    async profile(options = {}) {
      if (!browser) throw new Error(`no ${target.name}`);
      const context = await browser.createBrowserContext();
      contexts.push(context);
      if (options.clipboard) await grantClipboard(target.name, context, dev().webUrl);
      const ip = `10.${randomBytes(3).join(".")}`;
      const scripts: string[] = [];
      return {
        page: () => instrumentedPage(context, ip, scripts),
        addInitScript: (script) => void scripts.push(script),
      };
    },
    async open(profile, mode, path = "/") {
      const page = await profile.page();
      const url = new URL(path, dev().webUrl);
      if (mode === "http") url.searchParams.set("backend", "real");
      await page.goto(url.toString());
      await ready(page);
      return page;
    },
    async shot(page, step) {
      shots += 1;
      // A page behind another tab gets no animation frames; its screenshot waits for one.
      await page.bringToFront();
      await page.screenshot({
        path: artifact(`${String(shots).padStart(2, "0")}-${step.replace(/[^a-z0-9]+/gi, "-")}`),
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
  // Polled on DOM changes, not on animation frames: a page behind another tab gets none.
  await page.waitForFunction(() => !document.body.hasAttribute("aria-busy"), {
    polling: "mutation",
    timeout: 20_000,
  });
}

/** Waits until the element's text matches, failing with the text it last had. */
export async function expectText(
  page: Page,
  selector: string,
  expected: RegExp,
  timeoutMs = 30_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    last = (await page.$eval(selector, (element) => element.textContent).catch(() => null)) ?? "";
    if (expected.test(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`expected ${selector} to have text matching ${expected}, got ${JSON.stringify(last)}`);
}
