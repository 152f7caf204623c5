import * as z from "zod";
import { PlansJsonSchema } from "./billing/plans";
import type { Bindings } from "./bindings";
import { type FieldError, problems } from "./errors";

/** Placeholders from .dev.vars.example that must never reach a running worker. */
const PLACEHOLDERS = new Set(["replace-me", "replace-with-at-least-32-random-bytes-xxxxxxxx"]);

const secret = (name: string) =>
  z
    .string({ error: `${name} is missing` })
    .min(1, `${name} is missing`)
    .refine(
      (v) => !PLACEHOLDERS.has(v) && !v.includes("replace_me"),
      `${name} still holds the example value`,
    );

const httpUrl = (name: string) =>
  z
    .url({ protocol: /^https?$/, error: `${name} must be an http(s) URL` })
    .transform((u) => u.replace(/\/$/, ""));

const origins = z
  .string({ error: "ALLOWED_ORIGINS is missing" })
  .transform((v) =>
    v
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean),
  )
  .pipe(
    z.array(
      z.string().refine((o) => URL.canParse(o) && new URL(o).origin === o, {
        error: (issue) =>
          `ALLOWED_ORIGINS entry "${String(issue.input)}" is not an origin like https://app.example.com`,
      }),
    ),
  );

const configSchema = z
  .object({
    APP_ENV: z.string().default("production"),
    ALLOWED_ORIGINS: origins,
    MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(100 * 1024 * 1024)
      .default(1024 * 1024),
    DATABASE_URL: z
      .string({ error: "DATABASE_URL is missing" })
      .regex(
        /^postgres(ql)?:\/\/[^\s/]+\/[^\s/?]+/,
        "DATABASE_URL must look like postgres://user:password@host/db",
      ),
    UPSTASH_REDIS_REST_URL: httpUrl("UPSTASH_REDIS_REST_URL"),
    UPSTASH_REDIS_REST_TOKEN: secret("UPSTASH_REDIS_REST_TOKEN"),
    JWT_SECRET: secret("JWT_SECRET").refine(
      (v) => new TextEncoder().encode(v).length >= 32 && new Set(v).size >= 8,
      "JWT_SECRET must be at least 32 bytes of random data",
    ),
    JWT_SECRET_PREVIOUS: z.string().min(32, "JWT_SECRET_PREVIOUS must be at least 32 bytes").optional(),
    STRIPE_SECRET_KEY: secret("STRIPE_SECRET_KEY").refine(
      (v) => /^(sk|rk)_(test|live)_\w+/.test(v),
      "STRIPE_SECRET_KEY must be a Stripe secret key (sk_… or rk_…)",
    ),
    STRIPE_WEBHOOK_SECRET: secret("STRIPE_WEBHOOK_SECRET").refine(
      (v) => v.startsWith("whsec_") && v.length > 10,
      "STRIPE_WEBHOOK_SECRET must be a Stripe webhook signing secret (whsec_…)",
    ),
    REFRESH_COOKIE_SAMESITE: z.enum(["Lax", "None", "Strict"]).default("Lax"),
    /** Sign-in failures allowed per account+IP (and 3x that per IP) within AUTH_FAILURE_WINDOW. */
    AUTH_FAILURE_LIMIT: z.coerce.number().int().min(1).default(10),
    AUTH_FAILURE_WINDOW: z
      .string()
      .regex(/^\d+ (s|m|h)$/, "AUTH_FAILURE_WINDOW must look like '15 m'")
      .default("15 m"),
    /** Public URL of the frontend; links in emails point there. */
    APP_URL: httpUrl("APP_URL").default("http://localhost:8788"),
    /** Share links are `SHARE_BASE_URL/<shareId>` (a page of the frontend). */
    SHARE_BASE_URL: httpUrl("SHARE_BASE_URL").default("http://localhost:8788/share"),
    MAIL_TRANSPORT: z.enum(["log", "mailbox", "resend", "postmark"]).default("log"),
    MAIL_FROM: z.string().default("Music Producer Lab <no-reply@example.com>"),
    MAIL_URL: httpUrl("MAIL_URL").optional(),
    MAIL_API_KEY: z.string().optional(),
    /** JSON array of the plans on sale (shared/billing/plans.ts). */
    BILLING_PLANS: PlansJsonSchema,
    /** Where Checkout returns the browser; `{CHECKOUT_SESSION_ID}` is filled in by Stripe. */
    CHECKOUT_SUCCESS_URL: httpUrl("CHECKOUT_SUCCESS_URL").optional(),
    CHECKOUT_CANCEL_URL: httpUrl("CHECKOUT_CANCEL_URL").optional(),
    BILLING_PORTAL_RETURN_URL: httpUrl("BILLING_PORTAL_RETURN_URL").optional(),
    /** How long a past_due subscription keeps premium, like "3 d" (s, m, h or d). */
    BILLING_GRACE_PERIOD: z
      .string()
      .regex(/^\d+ (s|m|h|d)$/, "BILLING_GRACE_PERIOD must look like '3 d'")
      .default("3 d")
      .transform((v) => {
        const [n, unit] = v.split(" ");
        return Number(n) * { s: 1, m: 60, h: 3600, d: 86400 }[unit as "s" | "m" | "h" | "d"];
      }),
    /** `all`: one log line per request; `errors`: only 5xx and slow requests. Default: `errors` locally, else `all`. */
    LOG_REQUESTS: z.enum(["all", "errors"], { error: "LOG_REQUESTS must be all or errors" }).optional(),
    NEON_HTTP_ENDPOINT: httpUrl("NEON_HTTP_ENDPOINT").optional(),
    STRIPE_API_BASE: httpUrl("STRIPE_API_BASE").optional(),
  })
  .superRefine((env, ctx) => {
    if (env.MAIL_TRANSPORT === "mailbox" && !env.MAIL_URL) {
      ctx.addIssue({
        code: "custom",
        path: ["MAIL_URL"],
        message: "MAIL_URL is missing (MAIL_TRANSPORT is mailbox)",
      });
    }
    if ((env.MAIL_TRANSPORT === "resend" || env.MAIL_TRANSPORT === "postmark") && !env.MAIL_API_KEY) {
      ctx.addIssue({
        code: "custom",
        path: ["MAIL_API_KEY"],
        message: `MAIL_API_KEY is missing (MAIL_TRANSPORT is ${env.MAIL_TRANSPORT})`,
      });
    }
  });

/** Validated configuration, derived once per isolate from the bindings. */
export type Config = Omit<
  z.output<typeof configSchema>,
  "CHECKOUT_SUCCESS_URL" | "CHECKOUT_CANCEL_URL" | "BILLING_PORTAL_RETURN_URL" | "LOG_REQUESTS"
> & {
  CHECKOUT_SUCCESS_URL: string;
  CHECKOUT_CANCEL_URL: string;
  BILLING_PORTAL_RETURN_URL: string;
  /** True when the worker talks to the dev/ stand-ins (adds trace keys for their counters). */
  local: boolean;
  /** Which requests get a log line: `all`, or `errors` (5xx and slow ones). */
  LOG_REQUESTS: "all" | "errors";
};

type Checked = { ok: true; config: Config } | { ok: false; errors: FieldError[]; allowedOrigins: string[] };
const checked = new WeakMap<Bindings, Checked>();

function checkOnce(env: Bindings): Checked {
  let result = checked.get(env);
  if (!result) {
    result = check(env);
    checked.set(env, result);
  }
  return result;
}

/** The origins CORS and the refresh cookie accept, from the same parse as the config (also when another binding is invalid). */
export function allowedOrigins(env: Bindings): readonly string[] {
  const result = checkOnce(env);
  return result.ok ? result.config.ALLOWED_ORIGINS : result.allowedOrigins;
}

/** Validates the bindings once per isolate (per env object) and returns the config, or throws a 500 problem naming every binding at fault. */
export function loadConfig(env: Bindings): Config {
  const result = checkOnce(env);
  if (!result.ok) {
    throw problems.configInvalid({
      detail: `The worker is misconfigured: ${result.errors.map((e) => e.message).join("; ")}.`,
      extensions: { errors: result.errors },
    });
  }
  return result.config;
}

function check(env: Bindings): Checked {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => ({
      path: issue.path.join("."),
      message: issue.message,
    }));
    // CORS still answers for the allowed origins, so a browser can read the config problem.
    const allowed = origins.safeParse(env.ALLOWED_ORIGINS);
    return { ok: false, errors, allowedOrigins: allowed.success ? allowed.data : [] };
  }
  const data = parsed.data;
  const local = data.NEON_HTTP_ENDPOINT !== undefined;
  return {
    ok: true,
    config: {
      ...data,
      local,
      // Locally each console.log crosses the inspector to wrangler: a third of a request's time.
      LOG_REQUESTS: data.LOG_REQUESTS ?? (local ? "errors" : "all"),
      CHECKOUT_SUCCESS_URL:
        data.CHECKOUT_SUCCESS_URL ?? `${data.APP_URL}/?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
      CHECKOUT_CANCEL_URL: data.CHECKOUT_CANCEL_URL ?? `${data.APP_URL}/?checkout=cancel`,
      BILLING_PORTAL_RETURN_URL: data.BILLING_PORTAL_RETURN_URL ?? `${data.APP_URL}/`,
    },
  };
}
