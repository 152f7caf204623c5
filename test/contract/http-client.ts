/**
 * SDK clients for the workers project: the real worker (`SELF`) as their fetch, each browser
 * with its own cookie jar (the refresh cookie), its allowed Origin and a random client IP.
 */
import { SELF } from "cloudflare:test";
import { type Backline, type BacklineOptions, createBackline, memoryStorage } from "../../client/src/index";
import { randomIp } from "../support/harness";

export const BASE_URL = "http://backline.test";
/** In the test config's ALLOWED_ORIGINS: a browser page on it sends this Origin. */
export const ORIGIN = "https://app.example.com";

/** A tiny cookie jar: name=value by path, Max-Age/Expires honoured, Secure ignored (tests use http). */
export class CookieJar {
  private readonly cookies = new Map<string, { value: string; path: string; expires: number }>();

  header(url: URL): string | undefined {
    const now = Date.now();
    const pairs: string[] = [];
    for (const [name, c] of this.cookies) {
      if (c.expires <= now) this.cookies.delete(name);
      else if (url.pathname === c.path || url.pathname.startsWith(`${c.path.replace(/\/$/, "")}/`))
        pairs.push(`${name}=${c.value}`);
    }
    return pairs.length > 0 ? pairs.join("; ") : undefined;
  }

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";").map((s) => s.trim());
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      let path = "/";
      let expires = Number.POSITIVE_INFINITY;
      for (const attribute of attributes) {
        const [key = "", value = ""] = attribute.split("=");
        if (key.toLowerCase() === "path") path = value;
        if (key.toLowerCase() === "max-age") expires = Date.now() + Number(value) * 1000;
        if (key.toLowerCase() === "expires" && expires === Number.POSITIVE_INFINITY)
          expires = Date.parse(value);
      }
      if (expires <= Date.now()) this.cookies.delete(name);
      else this.cookies.set(name, { value: pair.slice(eq + 1), path, expires });
    }
  }

  has(name: string): boolean {
    return this.cookies.has(name);
  }

  clear(): void {
    this.cookies.clear();
  }
}

/** A fetch that behaves like a browser page on ORIGIN calling the worker with credentials. */
export function browserFetch(jar: CookieJar, ip?: string): typeof fetch {
  return async (input, init = {}) => {
    const request = new Request(input, init);
    const credentials = (init as { credentials?: string }).credentials;
    const url = new URL(request.url);
    const headers = new Headers(request.headers);
    headers.set("Origin", ORIGIN);
    headers.set("CF-Connecting-IP", ip ?? randomIp());
    const cookie = credentials === "include" ? jar.header(url) : undefined;
    if (cookie) headers.set("Cookie", cookie);
    const body = request.body ? await request.arrayBuffer() : undefined;
    const response = await SELF.fetch(url.toString(), { method: request.method, headers, body });
    if (credentials === "include") jar.store(response);
    return response;
  };
}

export interface Browser {
  jar: CookieJar;
  storage: ReturnType<typeof memoryStorage>;
  fetch: typeof fetch;
}

/** A new browser: its own cookie jar and storage; `wrap` sees every request (a flaky network, a counter…). */
export function newBrowser(wrap: (f: typeof fetch) => typeof fetch = (f) => f, ip?: string): Browser {
  const jar = new CookieJar();
  return { jar, storage: memoryStorage(), fetch: wrap(browserFetch(jar, ip)) };
}

/** An http-mode client in `browser`. */
export function httpClient(browser: Browser, options: Partial<BacklineOptions> = {}): Backline {
  return createBackline({
    mode: "http",
    baseUrl: BASE_URL,
    fetch: browser.fetch,
    storage: browser.storage,
    ...options,
  });
}
