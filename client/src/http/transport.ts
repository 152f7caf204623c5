/**
 * Calls the API: access token in memory, refresh cookie sent with credentials, one
 * single-flight refresh and retry on 401, bounded waits on 429, an Idempotency-Key per
 * unsafe call (the same for its retries), network failures retried only where a re-send is
 * safe, and problem+json turned into `BacklineError`.
 */
import type { paths } from "../api";
import { BacklineError, networkProblem, PROBLEM_BASE, type Problem, randomId } from "../errors";
import { browser } from "../globals";

type Method = "get" | "post" | "put" | "patch" | "delete";
type Json<C> = C extends { content: { "application/json": infer J } } ? J : never;
type Ok<O> = O extends { responses: infer R }
  ? { [S in keyof R]: S extends 200 | 201 ? Json<R[S]> : never }[keyof R]
  : never;
type VoidIfNever<T> = [T] extends [never] ? undefined : T;

/** The JSON body an operation takes. */
export type BodyOf<P extends keyof paths, M extends Method> = paths[P][M] extends {
  requestBody?: { content: { "application/json": infer B } };
}
  ? B
  : never;
/** The JSON of an operation's 200/201 answer (undefined for 204). */
export type ResultOf<P extends keyof paths, M extends Method> = VoidIfNever<Ok<paths[P][M]>>;

export interface RetryOptions {
  /** Retries of a 429 (and of a 409 "still in flight" of an idempotent retry). */
  rateLimited: number;
  /** Retries after the network failed (only of requests safe to re-send: see `IDEMPOTENT_POSTS`). */
  network: number;
  /** Longest Retry-After the SDK waits for; a longer one fails at once. */
  maxWaitSeconds: number;
}

export interface CallOptions {
  params?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** Send the access token (default true). */
  auth?: boolean;
  /** Let the request outlive the page (fetch keepalive: a body of at most 64 KiB). */
  keepalive?: boolean;
  /** The Idempotency-Key to send (a caller that retries an action itself); default a fresh one per call. */
  idempotencyKey?: string;
}

/** RequestInit with the browser's `credentials` (absent from the Workers types the tests compile with). */
type WithCredentials = RequestInit & { credentials?: "include" | "omit" | "same-origin" };

const NO_REFRESH = new Set(["/api/auth/signin", "/api/auth/signup", "/api/auth/refresh"]);

/**
 * The POST/PATCH routes (method and path template) whose server honours Idempotency-Key
 * (`idempotency()` middleware): the only unsafe requests re-sent after a network failure, since
 * the first one may have reached the server. Every other POST/PATCH (progress, shares, sign-up,
 * billing cancel/resume/portal, sync…) fails at once with the network error. GET, HEAD, PUT and
 * DELETE are idempotent by definition and always retried. client/test/transport.test.ts checks
 * this list against the app's routes.
 */
export const IDEMPOTENT_POSTS: ReadonlySet<string> = new Set([
  "POST /api/lessons",
  "POST /api/billing/checkout",
  "POST /api/admin/refunds",
]);

/** Whether a request may be sent again after the network failed (it may have reached the server). */
export function safeToResend(method: string, template: string): boolean {
  const m = method.toUpperCase();
  return ["GET", "HEAD", "PUT", "DELETE"].includes(m) || IDEMPOTENT_POSTS.has(`${m} ${template}`);
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function retryAfterSeconds(header: string | null): number | undefined {
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}

function online(): boolean {
  return browser.navigator?.onLine !== false;
}

export class Transport {
  private token: { value: string; expiresAt: number } | undefined;
  private refreshing: Promise<boolean> | undefined;
  /** Bumped by `clearToken`: a refresh started before it must not store its result. */
  private generation = 0;
  private lost: (() => void) | undefined;

  constructor(
    private readonly baseUrl: string,
    private readonly fetcher: typeof fetch,
    private readonly retry: RetryOptions,
  ) {}

  get signedIn(): boolean {
    return this.token !== undefined;
  }

  setToken(accessToken: string, expiresIn: number): void {
    this.token = { value: accessToken, expiresAt: Date.now() + expiresIn * 1000 };
  }

  /** Forgets the token, and makes any refresh in flight discard its answer (no token comes back after sign-out). */
  clearToken(): void {
    this.token = undefined;
    this.generation++;
    this.refreshing = undefined;
  }

  onSessionLost(callback: () => void): void {
    this.lost = callback;
  }

  /** A typed call of one API operation. */
  call<P extends keyof paths, M extends Method>(
    method: M,
    path: P,
    options: Omit<CallOptions, "body"> & { body?: BodyOf<P, M> } = {},
  ): Promise<ResultOf<P, M>> {
    return this.send(method, path as string, options) as Promise<ResultOf<P, M>>;
  }

  /** Rotates the refresh cookie for a new access token; false when there is no live session. One at a time. */
  refresh(): Promise<boolean> {
    if (this.refreshing) return this.refreshing;
    const refreshing: Promise<boolean> = this.doRefresh().finally(() => {
      if (this.refreshing === refreshing) this.refreshing = undefined;
    });
    this.refreshing = refreshing;
    return refreshing;
  }

  private async doRefresh(): Promise<boolean> {
    const path = "/api/auth/refresh";
    const generation = this.generation;
    let res: Response;
    try {
      const init: WithCredentials = { method: "POST", credentials: "include" };
      res = await this.fetcher(this.baseUrl + path, init);
    } catch (cause) {
      throw networkProblem(path, cause);
    }
    // Signed out (or in again) meanwhile: this answer belongs to the old session.
    if (generation !== this.generation) {
      await res.body?.cancel();
      return false;
    }
    if (res.status === 401 || res.status === 403) {
      const had = this.token !== undefined;
      this.token = undefined;
      if (had) this.lost?.();
      return false;
    }
    if (!res.ok) throw await toError(res, path);
    const body = (await res.json()) as { accessToken: string; expiresIn: number };
    if (generation !== this.generation) return false;
    this.setToken(body.accessToken, body.expiresIn);
    return true;
  }

  /** Sends one request with the retries described above; resolves the JSON body (undefined for 204). */
  async send(method: Method, template: string, options: CallOptions = {}): Promise<unknown> {
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) =>
      encodeURIComponent(options.params?.[name] ?? ""),
    );
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) query.set(k, String(v));
    const url = `${this.baseUrl}${path}${query.size > 0 ? `?${query}` : ""}`;
    const useAuth = options.auth !== false;
    const idempotencyKey = method === "get" ? undefined : (options.idempotencyKey ?? randomId());
    const resendable = safeToResend(method, template);
    let refreshed = false;
    let waits = 0;
    let networkTries = 0;

    for (;;) {
      if (useAuth && this.token && this.token.expiresAt - Date.now() < 10_000 && !refreshed) {
        // Only a refresh that worked uses up the one refresh: after a failed one a 401 still gets its own.
        refreshed = await this.refresh().catch(() => false);
      }
      const headers: Record<string, string> = {};
      const hadToken = useAuth && this.token !== undefined;
      if (hadToken && this.token) headers.Authorization = `Bearer ${this.token.value}`;
      if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
      if (options.body !== undefined) headers["Content-Type"] = "application/json";
      let res: Response;
      try {
        const init: WithCredentials = {
          method: method.toUpperCase(),
          headers,
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          credentials: "include",
          ...(options.keepalive && { keepalive: true }),
        };
        res = await this.fetcher(url, init);
      } catch (cause) {
        if (resendable && networkTries < this.retry.network && online()) {
          await sleep(250 * 2 ** networkTries++);
          continue;
        }
        throw networkProblem(path, cause);
      }
      if (
        res.status === 401 &&
        hadToken &&
        !refreshed &&
        !NO_REFRESH.has(path) &&
        !(await wrongPassword(res))
      ) {
        refreshed = true;
        // Another call may have refreshed meanwhile: then only the retry is needed.
        const renewed = this.token !== undefined && headers.Authorization !== `Bearer ${this.token.value}`;
        if (renewed || (await this.refresh())) continue;
      }
      const inFlight = res.status === 409 && idempotencyKey !== undefined && res.headers.has("Retry-After");
      if ((res.status === 429 || inFlight) && waits < this.retry.rateLimited) {
        const wait = retryAfterSeconds(res.headers.get("Retry-After")) ?? 1;
        if (wait <= this.retry.maxWaitSeconds) {
          waits++;
          await res.body?.cancel();
          await sleep(wait * 1000);
          continue;
        }
      }
      if (!res.ok) throw await toError(res, path);
      if (res.status === 204 || res.status === 202) return undefined;
      return res.json();
    }
  }
}

/** 401s about what the user typed, not the access token: a password or a second-factor code. */
const REFUSED_INPUT = new Set([`${PROBLEM_BASE}invalid-credentials`, `${PROBLEM_BASE}mfa-invalid-code`]);

/**
 * A 401 that refuses a password or code typed to confirm an action (password change, account
 * deletion, turning the authenticator app off…), not the access token: a refresh would not
 * change the answer, and sending the code again would spend another try of the account's budget.
 */
async function wrongPassword(res: Response): Promise<boolean> {
  const body = (await res
    .clone()
    .json()
    .catch(() => undefined)) as { type?: unknown } | undefined;
  return typeof body?.type === "string" && REFUSED_INPUT.has(body.type);
}

/** A non-2xx response as a `BacklineError` (problem+json, or a generic problem for anything else). */
async function toError(res: Response, path: string): Promise<BacklineError> {
  const text = await res.text();
  let body: Partial<Problem> | undefined;
  try {
    body = JSON.parse(text) as Partial<Problem>;
  } catch {
    body = undefined;
  }
  if (body && typeof body.type === "string" && typeof body.title === "string") {
    return new BacklineError({ ...body, status: res.status } as Problem);
  }
  return new BacklineError({
    type: "about:blank",
    title: res.statusText || `HTTP ${res.status}`,
    status: res.status,
    instance: path,
  });
}
