/** The SDK's one error type: an RFC 9457 problem, from the API or made to look exactly like one. */
import { type ApiError, PROBLEM_BASE, problems, validationError } from "../../shared/errors";

/** A field at fault in a validation problem. */
export interface FieldError {
  path: string;
  message: string;
}

/** Base of every problem `type` URI. */
export { PROBLEM_BASE };

/** A problem+json body. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/** An API error. `status` 0 and type `…/network-error` mean the API could not be reached. */
export class BacklineError extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string | undefined;
  /** Fields at fault (validation problems); empty otherwise. */
  readonly errors: FieldError[];
  readonly instance: string | undefined;
  readonly requestId: string | undefined;
  /** The whole problem body, extensions included (e.g. `current` on 412, `upgrade`). */
  readonly problem: Problem;

  constructor(problem: Problem, options?: { cause?: unknown }) {
    super(problem.detail ?? problem.title, options);
    this.name = "BacklineError";
    this.status = problem.status;
    this.type = problem.type;
    this.title = problem.title;
    this.detail = problem.detail;
    this.errors = problem.errors ?? [];
    this.instance = problem.instance;
    this.requestId = problem.requestId;
    this.problem = problem;
  }
}

/**
 * The problem the API renders for a thrown `ApiError` (shared/app.ts problemResponse), as
 * stub mode and local checks raise it: the server's own problem kinds, titles and details.
 */
export function fromApiError(error: ApiError, instance?: string): BacklineError {
  return new BacklineError({
    type: error.type,
    title: error.title,
    status: error.status,
    ...(error.detail !== undefined && { detail: error.detail }),
    ...(instance !== undefined && { instance }),
    requestId: randomId(),
    ...error.extensions,
  });
}

/** A 400 validation problem as shared/errors.ts `validationError` renders it. */
export function validationProblem(errors: FieldError[], instance?: string, detail?: string): BacklineError {
  return fromApiError(validationError(errors, detail), instance);
}

/** The 401 every signed-in route answers without a valid session (shared/middleware/auth.ts). */
export function unauthorizedProblem(instance?: string): BacklineError {
  return fromApiError(
    problems.unauthorized("The access token is missing, invalid or expired. Refresh it or sign in again."),
    instance,
  );
}

/** The API could not be reached (offline, DNS, CORS refused…). */
export function networkProblem(instance: string, cause: unknown): BacklineError {
  return new BacklineError(
    {
      type: `${PROBLEM_BASE}network-error`,
      title: "The API could not be reached",
      status: 0,
      detail: cause instanceof Error ? cause.message : String(cause),
      instance,
    },
    { cause },
  );
}

export function isNetworkError(error: unknown): boolean {
  return error instanceof BacklineError && error.status === 0;
}

/** A random UUID (crypto.randomUUID, with a fallback for non-secure contexts). */
export function randomId(): string {
  if (typeof crypto !== "undefined" && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] as number) & 0x0f) | 0x40;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
