import { describe, expect, it } from "vitest";
import { send, testEnv } from "../test/support/harness";
import type { Bindings } from "./bindings";
import { configErrors, loadConfig } from "./config";

/** A production configuration the guard rails accept: live keys, https public hosts, a real mail provider. */
const production = {
  APP_ENV: "production",
  ALLOWED_ORIGINS: "https://app.backline.fm,https://www.backline.fm",
  APP_URL: "https://app.backline.fm",
  SHARE_BASE_URL: "https://app.backline.fm/share",
  DATABASE_URL: "postgres://backline:s3cret-pw@ep-quiet-sky-123456.eu-central-1.aws.neon.tech/backline",
  UPSTASH_REDIS_REST_URL: "https://eu1-quiet-sky-12345.upstash.io",
  UPSTASH_REDIS_REST_TOKEN: "AXk3ASQgYmFja2xpbmUtcHJvZHVjdGlvbi10b2tlbg",
  JWT_SECRET: "Qm9vdHN0cmFwcGVkLXByb2R1Y3Rpb24tc2VjcmV0LTAxMjM0NTY3ODk",
  MFA_ENCRYPTION_KEY: "UHJvZHVjdGlvbi1tZmEta2V5LWZvci10b3RwLXNlY3JldHMtMDEyMzQ1Njc4OQ",
  STRIPE_SECRET_KEY: "sk_live_51Backline0123456789abcdef",
  STRIPE_WEBHOOK_SECRET: "whsec_0123456789abcdefghij",
  MAIL_TRANSPORT: "resend",
  MAIL_API_KEY: "re_0123456789abcdef",
  MAIL_FROM: "Backline <no-reply@backline.fm>",
  BILLING_PLANS: testEnv.BILLING_PLANS,
} satisfies Partial<Bindings>;

const errorsWith = (override: Partial<Record<keyof Bindings, string | undefined>>) =>
  configErrors({ ...production, ...override } as Partial<Bindings>);

const paths = (override: Partial<Record<keyof Bindings, string | undefined>>) =>
  errorsWith(override).map((e) => e.path);

describe("production guard rails", () => {
  it("accept a live production configuration", () => {
    expect(configErrors(production)).toEqual([]);
  });

  it.each([
    "APP_URL",
    "SHARE_BASE_URL",
    "CHECKOUT_SUCCESS_URL",
    "CHECKOUT_CANCEL_URL",
    "BILLING_PORTAL_RETURN_URL",
    "UPSTASH_REDIS_REST_URL",
  ] as const)("refuse an http %s", (name) => {
    expect(errorsWith({ [name]: "http://app.backline.fm/x" })).toEqual([
      { path: name, message: `${name} must use https in production` },
    ]);
  });

  it.each([
    "https://localhost:8788",
    "https://127.0.0.1",
    "https://127.1.2.3:443/x",
    "https://[::1]:8788",
    "https://0.0.0.0",
    "https://app.localhost",
    "https://LOCALHOST./",
  ])("refuse %s as APP_URL (points at this machine)", (url) => {
    expect(errorsWith({ APP_URL: url })).toEqual([
      { path: "APP_URL", message: expect.stringContaining("points at this machine") },
    ]);
  });

  it.each([
    "https://app.example.com",
    "https://example.org",
    "https://app.backline.example",
    "https://x.invalid",
  ])("refuse the placeholder host %s", (url) => {
    expect(paths({ SHARE_BASE_URL: url })).toEqual(["SHARE_BASE_URL"]);
  });

  it("name each ALLOWED_ORIGINS entry that is http or local", () => {
    const errors = errorsWith({
      ALLOWED_ORIGINS: "https://app.backline.fm,http://localhost:8788,https://127.0.0.1:8788",
    });
    expect(errors).toEqual([
      {
        path: "ALLOWED_ORIGINS.1",
        message: 'ALLOWED_ORIGINS entry "http://localhost:8788" must use https in production',
      },
      { path: "ALLOWED_ORIGINS.2", message: expect.stringContaining('"https://127.0.0.1:8788" points at') },
    ]);
  });

  it("refuse a database on this machine without quoting the connection string", () => {
    const errors = errorsWith({ DATABASE_URL: "postgres://backline:s3cret-pw@localhost:5432/backline" });
    expect(errors.map((e) => e.path)).toEqual(["DATABASE_URL"]);
    expect(JSON.stringify(errors)).not.toContain("s3cret-pw");
  });

  it.each([
    "NEON_HTTP_ENDPOINT",
    "STRIPE_API_BASE",
    "MAIL_URL",
    "OAUTH_GOOGLE_BASE_URL",
    "OAUTH_GITHUB_BASE_URL",
  ] as const)("refuse the stand-in %s, whatever its value", (name) => {
    expect(errorsWith({ [name]: "https://stand-in.backline.fm" })).toEqual([
      {
        path: name,
        message: `${name} points the worker at a local stand-in and must not be set in production`,
      },
    ]);
  });

  it.each(["4", "14"])("refuse PASSWORD_HASH_COST=%s, whatever its value: it is for tests", (cost) => {
    expect(errorsWith({ PASSWORD_HASH_COST: cost })).toEqual([
      {
        path: "PASSWORD_HASH_COST",
        message:
          "PASSWORD_HASH_COST lowers the password hashing cost for tests and must not be set in production",
      },
    ]);
  });

  it.each([
    ["log", "log"],
    [undefined, "log (its default)"],
  ])("refuse MAIL_TRANSPORT=%s, which sends nothing", (transport, shown) => {
    expect(errorsWith({ MAIL_TRANSPORT: transport })).toEqual([
      {
        path: "MAIL_TRANSPORT",
        message: expect.stringContaining(`MAIL_TRANSPORT is ${shown}, which sends no email`),
      },
    ]);
  });

  it("refuse the local mailbox transport", () => {
    expect(paths({ MAIL_TRANSPORT: "mailbox", MAIL_URL: "https://mailbox.backline.fm" })).toEqual([
      "MAIL_URL",
      "MAIL_TRANSPORT",
    ]);
  });

  it("refuse a test-mode Stripe key: production is live mode", () => {
    expect(paths({ STRIPE_SECRET_KEY: "sk_test_51Backline0123456789" })).toEqual(["STRIPE_SECRET_KEY"]);
    expect(paths({ STRIPE_SECRET_KEY: "rk_test_51Backline0123456789" })).toEqual(["STRIPE_SECRET_KEY"]);
    expect(paths({ STRIPE_SECRET_KEY: "rk_live_51Backline0123456789" })).toEqual([]);
  });

  it("require the bindings whose defaults are local", () => {
    expect(paths({ APP_URL: undefined, SHARE_BASE_URL: undefined, MAIL_FROM: undefined })).toEqual([
      "APP_URL",
      "SHARE_BASE_URL",
      "MAIL_FROM",
    ]);
    expect(paths({ MAIL_FROM: "Backline <no-reply@example.com>" })).toEqual(["MAIL_FROM"]);
  });

  it("apply when APP_ENV is unset (production is the default) and refuse an unknown APP_ENV", () => {
    expect(paths({ APP_ENV: undefined, APP_URL: "http://localhost:8788" })).toEqual(["APP_URL"]);
    expect(paths({ APP_ENV: "prod", APP_URL: "http://localhost:8788" })).toEqual(["APP_ENV"]);
  });

  it.each(["development", "test", "staging"])("leave APP_ENV=%s as it was", (appEnv) => {
    const local = {
      APP_ENV: appEnv,
      ALLOWED_ORIGINS: "http://localhost:8788,http://127.0.0.1:8788",
      APP_URL: "http://localhost:8788",
      SHARE_BASE_URL: undefined,
      MAIL_FROM: undefined,
      DATABASE_URL: "postgres://backline:backline@localhost:5432/backline",
      UPSTASH_REDIS_REST_URL: "http://127.0.0.1:8790",
      STRIPE_SECRET_KEY: "sk_test_backline_local",
      NEON_HTTP_ENDPOINT: "http://127.0.0.1:8790/sql",
      STRIPE_API_BASE: "http://127.0.0.1:8790",
      MAIL_TRANSPORT: "mailbox",
      MAIL_URL: "http://127.0.0.1:8790/mailbox",
    };
    expect(errorsWith(local)).toEqual([]);
  });
});

describe("PASSWORD_HASH_COST", () => {
  const local = { ...testEnv, PASSWORD_HASH_COST: undefined };

  it("is production's scrypt cost unless set, and a whole number up to it when set", () => {
    expect(loadConfig(local).PASSWORD_HASH_COST).toBe(14);
    expect(loadConfig({ ...local, PASSWORD_HASH_COST: "6" }).PASSWORD_HASH_COST).toBe(6);
    for (const bad of ["0", "15", "4.5", "cheap"]) {
      expect(configErrors({ ...local, PASSWORD_HASH_COST: bad })).toEqual([
        { path: "PASSWORD_HASH_COST", message: "PASSWORD_HASH_COST must be a whole number from 1 to 14" },
      ]);
    }
  });
});

describe("a production worker with a local value", () => {
  it("answers every request with a 500 problem naming APP_URL", async () => {
    const bindings = {
      ...testEnv,
      ...production,
      APP_URL: "http://localhost:8788",
      CHECKOUT_SUCCESS_URL: undefined,
      CHECKOUT_CANCEL_URL: undefined,
      BILLING_PORTAL_RETURN_URL: undefined,
      NEON_HTTP_ENDPOINT: undefined,
      STRIPE_API_BASE: undefined,
      MAIL_URL: undefined,
      PASSWORD_HASH_COST: undefined,
    } as unknown as typeof testEnv;
    for (const path of ["/api/health", "/api/lessons"]) {
      const res = await send(bindings, path);
      expect(res.status).toBe(500);
      expect(res.headers.get("Content-Type")).toBe("application/problem+json");
      const body = (await res.json()) as { type: string; detail: string; errors: { path: string }[] };
      expect(body.type).toBe("https://backline.dev/problems/config-invalid");
      expect(body.errors.map((e) => e.path)).toEqual(["APP_URL"]);
      expect(body.detail).toContain("APP_URL must use https in production");
    }
  });
});
