import { describe, expect, it } from "vitest";
import { testEnv } from "../../test/support/harness";
import type { Bindings } from "../bindings";
import { configErrors, loadConfig } from "../config";

/** A production configuration the guard rails accept (as in shared/config.test.ts). */
const production = {
  APP_ENV: "production",
  ALLOWED_ORIGINS: "https://app.backline.fm,https://www.backline.fm,https://partner.backline-friends.com",
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

const paths = (override: Partial<Bindings>) =>
  configErrors({ ...production, ...override } as Partial<Bindings>).map((e) => e.path);

describe("passkey relying party config", () => {
  it("defaults to APP_URL's host and the allowed origins on its domain", () => {
    const config = loadConfig(production);
    expect(config.WEBAUTHN_RP_ID).toBe("app.backline.fm");
    expect(config.WEBAUTHN_RP_NAME).toBe("Backline");
    expect(config.WEBAUTHN_ORIGINS).toEqual(["https://app.backline.fm"]);
    const wider = loadConfig({ ...production, WEBAUTHN_RP_ID: "backline.fm" });
    expect(wider.WEBAUTHN_ORIGINS).toEqual(["https://app.backline.fm", "https://www.backline.fm"]);
  });

  it("refuses localhost and placeholder RP ids in production", () => {
    expect(paths({ WEBAUTHN_RP_ID: "localhost" })).toContain("WEBAUTHN_RP_ID");
    expect(paths({ WEBAUTHN_RP_ID: "backline.example" })).toContain("WEBAUTHN_RP_ID");
    expect(paths({ WEBAUTHN_RP_ID: "backline.fm" })).toEqual([]);
  });

  it("refuses an IP-address RP id and origins off the RP id's domain, in every environment", () => {
    const local = { ...production, APP_ENV: "development" };
    expect(configErrors({ ...local, WEBAUTHN_RP_ID: "127.0.0.1" }).map((e) => e.path)).toEqual([
      "WEBAUTHN_RP_ID",
    ]);
    // Derived from an APP_URL on an IP address (a local setup): passkeys are simply off, no error.
    expect(configErrors({ ...local, APP_URL: "http://127.0.0.1:8788" })).toEqual([]);
    const off = configErrors({
      ...local,
      WEBAUTHN_ORIGINS: "https://app.backline.fm,https://evil.example.net",
    });
    expect(off.map((e) => e.path)).toEqual(["WEBAUTHN_ORIGINS"]);
    expect(off[0]?.message).toContain("https://evil.example.net");
  });
});
