import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type Stripe from "stripe";
import type { Plan } from "../../shared/billing/plans";
import { errorMessage, escapeHtml } from "../http-util";
import { registerCheckoutRoutes } from "./checkout";
import { registerCustomerDeletionRoutes } from "./customer-deletion";
import { registerCustomerRoutes } from "./customers";
import { type EmitOutcome, EventDelivery, registerDeliveryRoutes } from "./delivery";
import { expandResponse } from "./expand";
import { type FormParams, parseForm } from "./form";
import { registerInvoiceRoutes } from "./invoices";
import { registerPaymentRoutes } from "./payments";
import { registerPortalRoutes } from "./portal";
import { registerPriceRoutes, seedPlans } from "./prices";
import { StripeApiError, StripeStore, stripeId } from "./store";
import { registerSubscriptionRoutes } from "./subscriptions";
import { registerEventRoutes } from "./webhooks";

/** One API call as a resource handler sees it. */
export interface StripeCall {
  method: string;
  path: string;
  /** Values of `:name` segments of the route pattern. */
  params: Record<string, string>;
  /** Form body for POST, query string otherwise, decoded from bracket notation. */
  form: FormParams;
  requestId: string;
  idempotencyKey?: string;
}

/** A resource handler: returns the JSON body (status 200) or throws StripeApiError. */
export type StripeRouteHandler = (call: StripeCall) => unknown;

/** A request to a test/dev control or page under /_stripe/. */
export interface ControlRequest {
  url: URL;
  params: Record<string, string>;
  /** The body parsed as JSON (undefined when empty or not JSON). */
  json: unknown;
  /** The body decoded as a form (HTML forms post these). */
  form: FormParams;
  /** True when the caller sent `Accept: application/json`. */
  wantsJson: boolean;
}

/** What a control answers: JSON, an HTML page, or a 303 redirect. */
export type ControlResult =
  | { status?: number; json: unknown }
  | { status?: number; html: string }
  | { redirect: string };

/** A handler for a route under /_stripe/; may throw StripeApiError. */
export type ControlHandler = (request: ControlRequest) => ControlResult | Promise<ControlResult>;

interface StoredResponse {
  fingerprint: string;
  response: Promise<{ status: number; body: unknown }>;
}

/** Extra settings of the emulator. */
export interface StripeEmulatorOptions {
  /** Plans to seed as products and prices. */
  plans?: Plan[];
  /** The base URL the emulator is reachable at (checkout and portal URLs); set it once listening. */
  publicUrl?: string;
  /** Pauses between delivery attempts; attempts = length + 1. Default [100, 500, 2000]. */
  retryDelaysMs?: number[];
}

const MAX_IDEMPOTENCY_KEYS = 10_000;

function renderError(error: unknown): { status: number; body: unknown } {
  const known =
    error instanceof StripeApiError ? error : new StripeApiError(500, "api_error", errorMessage(error));
  const body: Record<string, string> = { type: known.type, message: known.message };
  if (known.code) body.code = known.code;
  if (known.param) body.param = known.param;
  return { status: known.status, body: { error: body } };
}

/** The secret key from `Authorization: Bearer sk_…` (or Basic with the key as user name). */
function apiKey(header = ""): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  if (bearer) return bearer;
  const basic = /^Basic\s+(\S+)$/i.exec(header)?.[1];
  return basic ? Buffer.from(basic, "base64").toString("utf8").split(":")[0] : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The Stripe API stand-in: Hono routes over an in-memory store, event delivery, and /_stripe/
 * controls. `app` serves /v1/* (Stripe API) and /_stripe/* (hosted pages, webhook and test controls).
 */
export class StripeEmulator {
  readonly store = new StripeStore();
  readonly delivery: EventDelivery;
  readonly app = new Hono();
  /** Base URL for the hosted pages (checkout, portal): the stack URL. */
  publicUrl: string;
  private readonly idempotency = new Map<string, StoredResponse>();

  constructor(
    readonly webhookSecret: string,
    public webhookUrl: string | undefined,
    options: StripeEmulatorOptions = {},
  ) {
    this.publicUrl = options.publicUrl ?? "http://127.0.0.1";
    this.delivery = new EventDelivery(this, options.retryDelaysMs ?? [100, 500, 2000]);
    registerCustomerRoutes(this);
    registerCustomerDeletionRoutes(this);
    registerEventRoutes(this);
    registerDeliveryRoutes(this);
    registerPriceRoutes(this);
    registerCheckoutRoutes(this);
    registerSubscriptionRoutes(this);
    registerInvoiceRoutes(this);
    registerPaymentRoutes(this);
    registerPortalRoutes(this);
    if (options.plans) seedPlans(this, options.plans);
    this.app.all("/v1/*", (c) =>
      this.answerApi(c, ({ method, path }) => {
        throw new StripeApiError(
          404,
          "invalid_request_error",
          `Unrecognized request URL (${method}: ${path}).`,
        );
      }),
    );
    this.app.all("/_stripe/*", (c) =>
      c.json(
        {
          error: {
            type: "invalid_request_error",
            message: `Unrecognized emulator control (${c.req.method}: ${c.req.path}).`,
          },
        },
        404,
      ),
    );
  }

  /** Adds a Stripe API route; `pattern` like "/v1/customers/:id". */
  route(method: string, pattern: string, handler: StripeRouteHandler): void {
    this.app.on(method, pattern, (c) => this.answerApi(c, handler));
  }

  /** Adds a test/dev control or hosted page; `pattern` like "/_stripe/checkout/:id". */
  control(method: string, pattern: string, handler: ControlHandler): void {
    this.app.on(method, pattern, (c) => this.answerControl(c, handler));
  }

  /**
   * Records an event and sends it to the webhook URL (with retries), or keeps it in the
   * pending queue when no URL is set. The event exists when this returns its promise.
   */
  emitEvent(
    type: Stripe.Event.Type,
    object: Stripe.Event.Data.Object,
    previousAttributes?: Stripe.Event.Data.PreviousAttributes,
  ): Promise<EmitOutcome> {
    return this.delivery.emit({ type, object, previousAttributes });
  }

  /** Checks the API key, then runs the call, replaying the stored response for a repeated Idempotency-Key. */
  private async answerApi(c: Context, handler: StripeRouteHandler): Promise<Response> {
    const requestId = stripeId("req");
    c.header("request-id", requestId);
    const key = apiKey(c.req.header("authorization"));
    if (!key || !/^(sk|rk)_/.test(key)) {
      const message = key
        ? `Invalid API Key provided: ${key.slice(0, 8)}***`
        : "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').";
      return c.json({ error: { type: "invalid_request_error", message } }, 401);
    }
    const { method, path } = c.req;
    const url = new URL(c.req.url);
    const call: StripeCall = {
      method,
      path,
      params: c.req.param() as Record<string, string>,
      form: parseForm(method === "POST" ? await c.req.text() : url.search.slice(1)),
      requestId,
      idempotencyKey: c.req.header("idempotency-key"),
    };
    const { status, body } = await this.dispatch(call, handler, key).catch(renderError);
    return c.json(body, status as ContentfulStatusCode);
  }

  private dispatch(call: StripeCall, handler: StripeRouteHandler, scope: string) {
    const run = async () => ({
      status: 200,
      body: expandResponse(this.store, await handler(call), call.form.expand),
    });
    if (call.method !== "POST" || !call.idempotencyKey) return run();
    const key = `${scope}:${call.idempotencyKey}`;
    const fingerprint = JSON.stringify([call.method, call.path, call.form]);
    const stored = this.idempotency.get(key);
    if (stored) {
      if (stored.fingerprint !== fingerprint) {
        return Promise.reject(
          new StripeApiError(
            400,
            "idempotency_error",
            `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${call.idempotencyKey}' if you meant to execute a different request.`,
          ),
        );
      }
      return stored.response;
    }
    const response = run().catch((error: unknown) => {
      if (error instanceof StripeApiError && error.status < 500) return renderError(error);
      this.idempotency.delete(key);
      throw error;
    });
    if (this.idempotency.size >= MAX_IDEMPOTENCY_KEYS) {
      const oldest = this.idempotency.keys().next().value;
      if (oldest !== undefined) this.idempotency.delete(oldest);
    }
    this.idempotency.set(key, { fingerprint, response });
    return response;
  }

  private async answerControl(c: Context, handler: ControlHandler): Promise<Response> {
    const accept = c.req.header("accept") ?? "";
    try {
      const text = await c.req.text();
      const isJson = /json/i.test(c.req.header("content-type") ?? "") || /^\s*[[{]/.test(text);
      const result = await handler({
        url: new URL(c.req.url),
        params: c.req.param() as Record<string, string>,
        json: text.trim() === "" ? undefined : parseJson(text),
        form: isJson ? {} : parseForm(text),
        wantsJson: /application\/json/i.test(accept),
      });
      if ("redirect" in result) return c.redirect(result.redirect, 303);
      const status = (result.status ?? 200) as ContentfulStatusCode;
      return "html" in result ? c.html(result.html, status) : c.json(result.json, status);
    } catch (error) {
      const { status, body } = renderError(error);
      if (/text\/html/i.test(accept) && !/application\/json/i.test(accept)) {
        const page = `<!doctype html><meta charset="utf-8"><title>Error</title><p>${escapeHtml(errorMessage(error))}</p>`;
        return c.html(page, status as ContentfulStatusCode);
      }
      return c.json(body, status as ContentfulStatusCode);
    }
  }
}
