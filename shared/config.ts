import * as z from "zod";
import { PlansJsonSchema } from "./billing/plans";
import { SCRYPT_PARAMS } from "./crypto";
import { type FieldError, problems } from "./errors";
import { EVENT_NAME_PATTERN, isServerEventName } from "./events/catalogue";

/**
 * Bindings that are secrets: set with `wrangler secret put`, never in wrangler.toml's [vars].
 * The required ones are the uncommented lines of .dev.vars.example (a test keeps them equal).
 */
export const SECRET_BINDINGS = {
  required: [
    "DATABASE_URL",
    "UPSTASH_REDIS_REST_URL",
    "UPSTASH_REDIS_REST_TOKEN",
    "JWT_SECRET",
    "MFA_ENCRYPTION_KEY",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
  ],
  optional: [
    "JWT_SECRET_PREVIOUS",
    "MAIL_API_KEY",
    "OAUTH_GOOGLE_CLIENT_SECRET",
    "OAUTH_GITHUB_CLIENT_SECRET",
  ],
} as const satisfies Record<string, readonly BindingName[]>;

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

const APP_ENVS = ["development", "test", "staging", "production"] as const;

const HASH_COST_RANGE = `PASSWORD_HASH_COST must be a whole number from 1 to ${SCRYPT_PARAMS.logN}`;

const configSchema = z
  .object({
    /** Unset means production, so a worker deployed without it gets the guard rails. */
    APP_ENV: z
      .enum(APP_ENVS, { error: `APP_ENV must be one of ${APP_ENVS.join(", ")}` })
      .default("production"),
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
    /** Key material for encrypting TOTP secrets at rest and peppering recovery-code hashes. */
    MFA_ENCRYPTION_KEY: secret("MFA_ENCRYPTION_KEY").refine(
      (v) => new TextEncoder().encode(v).length >= 32 && new Set(v).size >= 8,
      "MFA_ENCRYPTION_KEY must be at least 32 bytes of random data",
    ),
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
    /** Event names a deployment adds to the SDK's catalogue (shared/events/catalogue.ts), comma-separated. */
    EVENT_NAMES_EXTRA: z
      .string()
      .default("")
      .transform((v) =>
        v
          .split(",")
          .map((n) => n.trim())
          .filter(Boolean),
      )
      .pipe(
        z.array(
          z
            .string()
            .regex(
              EVENT_NAME_PATTERN,
              "EVENT_NAMES_EXTRA entries must be snake_case names of at most 48 characters",
            )
            .refine((n) => !isServerEventName(n), "EVENT_NAMES_EXTRA must not name a server-only event"),
        ),
      ),
    /** Days raw usage events are kept before the cron deletes them (the daily rollups stay). */
    EVENT_RETENTION_DAYS: z.coerce
      .number({ error: "EVENT_RETENTION_DAYS must be a whole number of days" })
      .int("EVENT_RETENTION_DAYS must be a whole number of days")
      .min(1, "EVENT_RETENTION_DAYS must be at least 1")
      .max(3650, "EVENT_RETENTION_DAYS may be at most 3650")
      .default(90),
    /** `all`: one log line per request; `errors`: only 5xx and slow requests. Default: `errors` locally, else `all`. */
    LOG_REQUESTS: z.enum(["all", "errors"], { error: "LOG_REQUESTS must be all or errors" }).optional(),
    NEON_HTTP_ENDPOINT: httpUrl("NEON_HTTP_ENDPOINT").optional(),
    STRIPE_API_BASE: httpUrl("STRIPE_API_BASE").optional(),
    /** Sign-in providers: one is offered when both its client id and secret are set. */
    OAUTH_GOOGLE_CLIENT_ID: z.string().min(1).optional(),
    OAUTH_GOOGLE_CLIENT_SECRET: z.string().min(1).optional(),
    OAUTH_GITHUB_CLIENT_ID: z.string().min(1).optional(),
    OAUTH_GITHUB_CLIENT_SECRET: z.string().min(1).optional(),
    /**
     * Passkeys: the relying party id (a registrable domain the app's origins are on; never an IP
     * address), default APP_URL's host; the name authenticators show; the origins a ceremony may
     * come from, comma-separated, default the ALLOWED_ORIGINS on the RP id's domain.
     */
    WEBAUTHN_RP_ID: z
      .string()
      .regex(/^[a-z0-9.-]+$/i, "WEBAUTHN_RP_ID must be a host name like example.com")
      .optional(),
    WEBAUTHN_RP_NAME: z.string().min(1).max(64).default("Backline"),
    WEBAUTHN_ORIGINS: origins.optional(),
    /**
     * Local only: the scrypt cost (log2 N) of new password hashes, below production's so the
     * test suites do not spend minutes hashing. Verifying always uses the cost a hash names.
     */
    PASSWORD_HASH_COST: z.coerce
      .number({ error: HASH_COST_RANGE })
      .int(HASH_COST_RANGE)
      .min(1, HASH_COST_RANGE)
      .max(SCRYPT_PARAMS.logN, HASH_COST_RANGE)
      .default(SCRYPT_PARAMS.logN),
    /** Local only: the dev/ identity-provider stand-ins (their issuer / base URL). */
    OAUTH_GOOGLE_BASE_URL: httpUrl("OAUTH_GOOGLE_BASE_URL").optional(),
    OAUTH_GITHUB_BASE_URL: httpUrl("OAUTH_GITHUB_BASE_URL").optional(),
  })
  .superRefine(
    (env, ctx) => {
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
      for (const issue of webauthnIssues(env)) ctx.addIssue({ code: "custom", ...issue });
    },
    // Also when another binding is at fault: the problem names every binding to fix, and the
    // deploy check (which cannot see the secrets) still learns that the mail key is needed.
    { when: (payload) => typeof payload.value === "object" && payload.value !== null },
  );

/** The relying party id passkeys are bound to: WEBAUTHN_RP_ID, else APP_URL's host. */
function rpIdOf(env: { WEBAUTHN_RP_ID?: string; APP_URL?: string }): string | undefined {
  if (env.WEBAUTHN_RP_ID) return env.WEBAUTHN_RP_ID.toLowerCase();
  return env.APP_URL && URL.canParse(env.APP_URL) ? new URL(env.APP_URL).hostname : undefined;
}

/** Whether an origin's host is the RP id or under it (WebAuthn's registrable-suffix rule). */
function onRpDomain(origin: string, rpId: string): boolean {
  const host = new URL(origin).hostname;
  return host === rpId || host.endsWith(`.${rpId}`);
}

/** Passkey settings that no browser would accept: an IP-address RP id, origins off its domain. */
function webauthnIssues(env: {
  WEBAUTHN_RP_ID?: string;
  APP_URL?: string;
  WEBAUTHN_ORIGINS?: unknown;
}): { path: string[]; message: string }[] {
  const rpId = rpIdOf(env);
  if (!rpId) return [];
  // Set by hand only: an APP_URL on an IP address is a local setup where passkeys are simply off.
  if (env.WEBAUTHN_RP_ID && /^[\d.]+$/.test(rpId)) {
    return [
      {
        path: ["WEBAUTHN_RP_ID"],
        message: `WEBAUTHN_RP_ID is an IP address (${rpId}); WebAuthn needs a domain name`,
      },
    ];
  }
  // Not an array when its own parse failed (that finding is already made).
  const origins: string[] = Array.isArray(env.WEBAUTHN_ORIGINS) ? env.WEBAUTHN_ORIGINS : [];
  return origins
    .filter((origin) => !onRpDomain(origin, rpId))
    .map((origin) => ({
      path: ["WEBAUTHN_ORIGINS"],
      message: `WEBAUTHN_ORIGINS entry "${origin}" is not on the relying party's domain ${rpId}`,
    }));
}

/** The names of the bindings the config reads. */
type BindingName = keyof z.input<typeof configSchema>;

/**
 * The bindings as validation reads them (the worker's `Bindings` is one). Structural, so the
 * Node side (dev/check-production.ts) can validate wrangler.toml's vars without the worker types.
 */
export type ConfigBindings = Readonly<Partial<Record<BindingName, string>>>;

/** Validated configuration, derived once per isolate from the bindings. */
export type Config = Omit<
  z.output<typeof configSchema>,
  | "CHECKOUT_SUCCESS_URL"
  | "CHECKOUT_CANCEL_URL"
  | "BILLING_PORTAL_RETURN_URL"
  | "LOG_REQUESTS"
  | "WEBAUTHN_RP_ID"
  | "WEBAUTHN_ORIGINS"
> & {
  CHECKOUT_SUCCESS_URL: string;
  CHECKOUT_CANCEL_URL: string;
  BILLING_PORTAL_RETURN_URL: string;
  /** True when the worker talks to the dev/ stand-ins (adds trace keys for their counters). */
  local: boolean;
  /** Which requests get a log line: `all`, or `errors` (5xx and slow ones). */
  LOG_REQUESTS: "all" | "errors";
  /** The relying party id passkeys are bound to (WEBAUTHN_RP_ID, else APP_URL's host). */
  WEBAUTHN_RP_ID: string;
  /** The origins a passkey ceremony may come from. */
  WEBAUTHN_ORIGINS: string[];
};

type Checked = { ok: true; config: Config } | { ok: false; errors: FieldError[]; allowedOrigins: string[] };
const checked = new WeakMap<ConfigBindings, Checked>();

function checkOnce(env: ConfigBindings): Checked {
  let result = checked.get(env);
  if (!result) {
    result = check(env);
    checked.set(env, result);
  }
  return result;
}

/** The origins CORS and the refresh cookie accept, from the same parse as the config (also when another binding is invalid). */
export function allowedOrigins(env: ConfigBindings): readonly string[] {
  const result = checkOnce(env);
  return result.ok ? result.config.ALLOWED_ORIGINS : result.allowedOrigins;
}

/** Validates the bindings once per isolate (per env object) and returns the config, or throws a 500 problem naming every binding at fault. */
export function loadConfig(env: ConfigBindings): Config {
  const result = checkOnce(env);
  if (!result.ok) {
    throw problems.configInvalid({
      detail: `The worker is misconfigured: ${result.errors.map((e) => e.message).join("; ")}.`,
      extensions: { errors: result.errors },
    });
  }
  return result.config;
}

/** Every binding at fault: the schema's findings, then in production the guard rails. */
export function configErrors(env: ConfigBindings): FieldError[] {
  return validate(env).errors;
}

function validate(env: ConfigBindings): { errors: FieldError[]; data?: z.output<typeof configSchema> } {
  const parsed = configSchema.safeParse(env);
  const errors = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
  if (isProduction(env)) errors.push(...productionErrors(env));
  return { errors, data: parsed.data };
}

function check(env: ConfigBindings): Checked {
  const { errors, data } = validate(env);
  if (errors.length > 0 || !data) {
    // CORS still answers for the allowed origins, so a browser can read the config problem.
    const allowed = origins.safeParse(env.ALLOWED_ORIGINS);
    return { ok: false, errors, allowedOrigins: allowed.success ? allowed.data : [] };
  }
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
      ...webauthnConfig(data),
    },
  };
}

/** The passkey relying party: its id, and the allowed origins on its domain unless WEBAUTHN_ORIGINS says. */
function webauthnConfig(data: z.output<typeof configSchema>) {
  const rpId = rpIdOf(data) ?? new URL(data.APP_URL).hostname;
  return {
    WEBAUTHN_RP_ID: rpId,
    WEBAUTHN_ORIGINS: data.WEBAUTHN_ORIGINS ?? data.ALLOWED_ORIGINS.filter((o) => onRpDomain(o, rpId)),
  };
}

// ---------------------------------------------------------------------------------------------
// Production guard rails. Values that only make sense on a laptop or in a test run: a worker
// with APP_ENV=production (or no APP_ENV) refuses every request while one is set, and
// `npm run check:production` (dev/check-production.ts) runs these same rules over wrangler.toml
// before `wrangler deploy`. Messages never quote a URL's value: DATABASE_URL holds a password.

function isProduction(env: ConfigBindings): boolean {
  return (env.APP_ENV ?? "production") === "production";
}

/** The dev/ stand-ins: any value at all means the worker talks to a local emulator. */
const STAND_IN_BINDINGS = [
  "NEON_HTTP_ENDPOINT",
  "STRIPE_API_BASE",
  "MAIL_URL",
  "OAUTH_GOOGLE_BASE_URL",
  "OAUTH_GITHUB_BASE_URL",
] as const;

/** URL bindings that must be https on a public host in production (ALLOWED_ORIGINS is checked per entry). */
const PUBLIC_URL_BINDINGS = [
  "APP_URL",
  "SHARE_BASE_URL",
  "CHECKOUT_SUCCESS_URL",
  "CHECKOUT_CANCEL_URL",
  "BILLING_PORTAL_RETURN_URL",
  "UPSTASH_REDIS_REST_URL",
] as const;

/** Bindings whose defaults are local values (localhost, example.com): production must set them. */
const NO_DEFAULT_IN_PRODUCTION = ["APP_URL", "SHARE_BASE_URL", "MAIL_FROM"] as const;

/** The email transports that deliver nothing: `log` prints the message, `mailbox` is the dev/ stand-in. */
const LOCAL_MAIL_TRANSPORTS = new Set(["log", "mailbox"]);

function productionErrors(env: ConfigBindings): FieldError[] {
  return [
    ...missingInProduction(env),
    ...standIns(env),
    ...lowHashCost(env),
    ...localMail(env),
    ...testModeStripe(env),
    ...originErrors(env.ALLOWED_ORIGINS),
    ...PUBLIC_URL_BINDINGS.flatMap((name) => urlErrors(name, env[name])),
    ...databaseHostErrors(env.DATABASE_URL),
    ...mailFromErrors(env.MAIL_FROM),
    ...rpIdErrors(env),
  ];
}

/** Passkeys registered for localhost or a placeholder domain would never work for real users. */
function rpIdErrors(env: ConfigBindings): FieldError[] {
  if (!env.WEBAUTHN_RP_ID) return []; // APP_URL's host: checked as APP_URL.
  const host = hostKind(env.WEBAUTHN_RP_ID);
  return host === "public" ? [] : [{ path: "WEBAUTHN_RP_ID", message: `WEBAUTHN_RP_ID ${hostFault(host)}` }];
}

function missingInProduction(env: ConfigBindings): FieldError[] {
  return NO_DEFAULT_IN_PRODUCTION.filter((name) => !env[name]).map((name) => ({
    path: name,
    message: `${name} is missing (production has no default)`,
  }));
}

function standIns(env: ConfigBindings): FieldError[] {
  return STAND_IN_BINDINGS.filter((name) => env[name] !== undefined).map((name) => ({
    path: name,
    message: `${name} points the worker at a local stand-in and must not be set in production`,
  }));
}

/** A lowered password-hashing cost is for test runs: any value at all is refused, like a stand-in. */
function lowHashCost(env: ConfigBindings): FieldError[] {
  if (env.PASSWORD_HASH_COST === undefined) return [];
  return [
    {
      path: "PASSWORD_HASH_COST",
      message:
        "PASSWORD_HASH_COST lowers the password hashing cost for tests and must not be set in production",
    },
  ];
}

function localMail(env: ConfigBindings): FieldError[] {
  const transport = env.MAIL_TRANSPORT ?? "log";
  if (!LOCAL_MAIL_TRANSPORTS.has(transport)) return [];
  return [
    {
      path: "MAIL_TRANSPORT",
      message: `MAIL_TRANSPORT is ${transport}${env.MAIL_TRANSPORT ? "" : " (its default)"}, which sends no email; production needs resend or postmark`,
    },
  ];
}

/**
 * Production means live mode: a test key takes no money while the webhook still grants premium.
 * A staging deployment against Stripe's test mode runs with APP_ENV=staging.
 */
function testModeStripe(env: ConfigBindings): FieldError[] {
  if (!env.STRIPE_SECRET_KEY || !/^(sk|rk)_test_/.test(env.STRIPE_SECRET_KEY)) return [];
  return [
    {
      path: "STRIPE_SECRET_KEY",
      message:
        "STRIPE_SECRET_KEY is a test-mode key; production needs a live key (sk_live_… or rk_live_…), test mode runs with APP_ENV=staging",
    },
  ];
}

function originErrors(raw: string | undefined): FieldError[] {
  const entries = (raw ?? "").split(",").map((o) => o.trim());
  return entries.flatMap((entry, i) => {
    if (!entry || !URL.canParse(entry)) return [];
    const fault = publicHttpsFault(new URL(entry));
    return fault
      ? [{ path: `ALLOWED_ORIGINS.${i}`, message: `ALLOWED_ORIGINS entry "${entry}" ${fault}` }]
      : [];
  });
}

function urlErrors(name: string, value: string | undefined): FieldError[] {
  // Unset optional URLs derive from APP_URL; a malformed one is the schema's finding.
  if (!value || !URL.canParse(value)) return [];
  const fault = publicHttpsFault(new URL(value));
  return fault ? [{ path: name, message: `${name} ${fault}` }] : [];
}

function databaseHostErrors(value: string | undefined): FieldError[] {
  if (!value || !URL.canParse(value)) return [];
  const host = hostKind(new URL(value).hostname);
  if (host === "public") return [];
  return [{ path: "DATABASE_URL", message: `DATABASE_URL ${hostFault(host)}` }];
}

function mailFromErrors(value: string | undefined): FieldError[] {
  const domain = value?.match(/@([^\s>]+)>?\s*$/)?.[1];
  if (!domain) return [];
  const host = hostKind(domain);
  if (host === "public") return [];
  return [{ path: "MAIL_FROM", message: `MAIL_FROM ${hostFault(host)}` }];
}

/** Why a URL cannot serve production, or undefined when it can. */
function publicHttpsFault(url: URL): string | undefined {
  if (url.protocol !== "https:") return "must use https in production";
  const host = hostKind(url.hostname);
  return host === "public" ? undefined : hostFault(host);
}

function hostFault(host: "local" | "placeholder"): string {
  return host === "local"
    ? "points at this machine (localhost or a loopback address), not at a production host"
    : "still holds a placeholder domain (example.com, .example, .invalid, .test): set the real one";
}

/** Names RFC 2606 and RFC 6761 reserve: no production service lives under them. */
const PLACEHOLDER_DOMAINS = ["example", "invalid", "test", "example.com", "example.net", "example.org"];

function hostKind(hostname: string): "local" | "placeholder" | "public" {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (isLoopback(host)) return "local";
  const isUnder = (domain: string) => host === domain || host.endsWith(`.${domain}`);
  return PLACEHOLDER_DOMAINS.some(isUnder) ? "placeholder" : "public";
}

/** localhost and *.localhost, 127.0.0.0/8, ::1, the unspecified addresses, and IPv4-mapped loopback. */
function isLoopback(host: string): boolean {
  return (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    /^127\.\d+\.\d+\.\d+$/.test(host) ||
    host === "0.0.0.0" ||
    host === "[::1]" ||
    host === "[::]" ||
    /^\[::ffff:(127\.|7f)/.test(host)
  );
}
