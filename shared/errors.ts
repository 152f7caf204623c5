/** Problem types (RFC 9457) and the one error class every layer throws. */

/** Base of every problem `type` URI; each kind has a stable slug below it. */
export const PROBLEM_BASE = "https://backline.dev/problems/";

export interface ProblemSpec {
  status: number;
  title: string;
}

export interface FieldError {
  path: string;
  message: string;
}

export interface ProblemInit {
  detail?: string;
  /** Extension members merged into the problem body (e.g. `errors`, `current`). */
  extensions?: Record<string, unknown>;
  /** Response headers to send with the problem (e.g. `Retry-After`). */
  headers?: Record<string, string>;
  cause?: unknown;
}

/** An error that renders as `application/problem+json`; throw it anywhere, `onError` renders it. */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(code: string, spec: ProblemSpec, init: ProblemInit = {}) {
    super(init.detail ?? spec.title, { cause: init.cause });
    this.name = "ApiError";
    this.status = spec.status;
    this.type = PROBLEM_BASE + code;
    this.title = spec.title;
    this.detail = init.detail;
    this.extensions = init.extensions ?? {};
    this.headers = init.headers ?? {};
  }
}

export type ProblemFactories<T extends Record<string, ProblemSpec>> = {
  [K in keyof T]: (init?: ProblemInit | string) => ApiError;
};

/**
 * Declares a group's problem kinds in one list; returns a factory per kind.
 * `problems.notFound("No such pattern")` or `problems.conflict({ detail, extensions })`.
 */
export function defineProblems<const T extends Record<string, ProblemSpec>>(
  specs: T,
  slugs: { [K in keyof T]?: string } = {},
): ProblemFactories<T> {
  const factories = {} as Record<string, (init?: ProblemInit | string) => ApiError>;
  for (const [key, spec] of Object.entries(specs)) {
    const slug = slugs[key as keyof T] ?? kebab(key);
    factories[key] = (init) => new ApiError(slug, spec, typeof init === "string" ? { detail: init } : init);
  }
  return factories as ProblemFactories<T>;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`);
}

/** Problems every group may raise. */
export const problems = defineProblems({
  validation: { status: 400, title: "Your request is not valid" },
  unauthorized: { status: 401, title: "Authentication required" },
  forbidden: { status: 403, title: "You are not allowed to do this" },
  premiumRequired: { status: 403, title: "Premium required" },
  notFound: { status: 404, title: "Not found" },
  methodNotAllowed: { status: 405, title: "Method not allowed" },
  conflict: { status: 409, title: "Conflict with the current state" },
  gone: { status: 410, title: "Gone" },
  preconditionFailed: { status: 412, title: "Precondition failed" },
  payloadTooLarge: { status: 413, title: "Request body too large" },
  unsupportedMediaType: { status: 415, title: "Unsupported media type" },
  unprocessable: { status: 422, title: "Request cannot be processed" },
  rateLimited: { status: 429, title: "Too many requests" },
  internal: { status: 500, title: "Internal server error" },
  configInvalid: { status: 500, title: "Server misconfigured" },
  unavailable: { status: 503, title: "Service unavailable" },
});

/** Seconds a client is asked to wait before retrying a 503 (every 503 carries `Retry-After`). */
export const RETRY_AFTER_SECONDS = 5;

/** A 503 for a dependency that is down or too slow; the cause goes to the log, never to the client. */
export function dependencyUnavailable(detail: string, cause?: unknown): ApiError {
  return problems.unavailable({ detail, headers: { "Retry-After": String(RETRY_AFTER_SECONDS) }, cause });
}

/** A 400 validation problem listing each field at fault. */
export function validationError(errors: FieldError[], detail?: string): ApiError {
  return problems.validation({
    detail: detail ?? (errors.length === 1 ? `${errors[0]?.path}: ${errors[0]?.message}` : undefined),
    extensions: { errors },
  });
}
