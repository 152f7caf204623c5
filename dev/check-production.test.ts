import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { SECRET_BINDINGS } from "../shared/config";
import { checkProduction } from "./check-production";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const scratch = mkdtempSync(join(tmpdir(), "backline-check-production-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const PLANS =
  '[{"id":"premium-monthly","name":"Premium","priceId":"price_1Qx0Live0Monthly","tier":"premium","interval":"month","amount":900,"currency":"usd"}]';

/** A deployable production environment, with a local [env.dev] that must not matter. */
const GOOD_VARS: Record<string, string> = {
  APP_ENV: "production",
  ALLOWED_ORIGINS: "https://app.backline.fm",
  APP_URL: "https://app.backline.fm",
  SHARE_BASE_URL: "https://app.backline.fm/share",
  MAIL_TRANSPORT: "postmark",
  MAIL_FROM: "Backline <no-reply@backline.fm>",
  BILLING_PLANS: PLANS,
};

function fixture(name: string, vars: Record<string, string>): string {
  const toml = (entries: Record<string, string>) =>
    Object.entries(entries)
      .map(([key, value]) => `${key} = ${JSON.stringify(value)}`)
      .join("\n");
  const path = join(scratch, `${name}.toml`);
  writeFileSync(
    path,
    [
      'name = "backline"',
      'main = "functions/index.ts"',
      'compatibility_date = "2026-10-01"',
      "[vars]",
      toml(vars),
      "[env.dev.vars]",
      toml({ ...GOOD_VARS, APP_ENV: "development", APP_URL: "http://localhost:8788", MAIL_TRANSPORT: "log" }),
      "",
    ].join("\n"),
  );
  return path;
}

/** Runs the script as `npm run check:production` does, with no secrets in its environment. */
function runCheck(configPath: string): { status: number | null; stderr: string } {
  const env = { ...process.env };
  for (const name of [...SECRET_BINDINGS.required, ...SECRET_BINDINGS.optional]) delete env[name];
  const run = spawnSync("tsx", ["dev/check-production.ts", "--config", configPath], {
    cwd: root,
    env,
    encoding: "utf8",
  });
  return { status: run.status, stderr: run.stderr };
}

describe("npm run check:production", () => {
  it("passes a production environment on public https hosts and lists the secrets it cannot see", () => {
    const { status, stderr } = runCheck(fixture("good", GOOD_VARS));
    expect(stderr).toContain("pass the guard rails");
    expect(status).toBe(0);
    // Postmark needs its key: listed with the always-required secrets.
    expect(stderr).toMatch(/Not checked here.*DATABASE_URL.*STRIPE_WEBHOOK_SECRET, MAIL_API_KEY\./);
  });

  it("fails naming each binding at fault: localhost, the log transport, a stand-in, a secret in [vars]", () => {
    const { status, stderr } = runCheck(
      fixture("bad", {
        ...GOOD_VARS,
        ALLOWED_ORIGINS: "https://app.backline.fm,http://localhost:8788",
        APP_URL: "http://localhost:8788",
        MAIL_TRANSPORT: "log",
        NEON_HTTP_ENDPOINT: "http://127.0.0.1:8790/sql",
        JWT_SECRET: "an-actual-secret-0123456789abcdefghijkl",
      }),
    );
    expect(status).toBe(1);
    const named = stderr
      .split("\n")
      .filter((line) => line.startsWith("  "))
      .map((line) => line.trim().split(":")[0]);
    expect(named.sort()).toEqual(
      ["ALLOWED_ORIGINS.1", "APP_URL", "JWT_SECRET", "MAIL_TRANSPORT", "NEON_HTTP_ENDPOINT"].sort(),
    );
    expect(stderr).toContain("APP_URL: APP_URL must use https in production");
  });

  it("refuses a lowered password hashing cost, which is for tests", () => {
    const { errors } = checkProduction(fixture("hash-cost", { ...GOOD_VARS, PASSWORD_HASH_COST: "14" }), {});
    expect(errors).toEqual([
      {
        path: "PASSWORD_HASH_COST",
        message:
          "PASSWORD_HASH_COST lowers the password hashing cost for tests and must not be set in production",
      },
    ]);
  });

  it("refuses to deploy a worker whose APP_ENV would switch the guard rails off", () => {
    const { errors } = checkProduction(fixture("staging", { ...GOOD_VARS, APP_ENV: "staging" }), {});
    expect(errors.map((e) => e.path)).toEqual(["APP_ENV"]);
  });

  it("checks the secrets this shell holds with the worker's rules", () => {
    const { errors, unseenSecrets } = checkProduction(fixture("secrets", GOOD_VARS), {
      STRIPE_SECRET_KEY: "sk_test_51Backline0123456789",
      DATABASE_URL: "postgres://backline:pw@127.0.0.1:5432/backline",
    });
    expect(errors.map((e) => e.path).sort()).toEqual(["DATABASE_URL", "STRIPE_SECRET_KEY"]);
    expect(unseenSecrets).not.toContain("STRIPE_SECRET_KEY");
  });

  it("finds no localhost or http value in the shipped wrangler.toml, only placeholders to replace", () => {
    const { errors } = checkProduction(join(root, "wrangler.toml"), {});
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) expect(e.message).toContain("placeholder domain");
  });

  it("names as required secrets exactly the uncommented lines of .dev.vars.example", () => {
    const example = readFileSync(join(root, ".dev.vars.example"), "utf8");
    const names = [...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    expect(names).toEqual([...SECRET_BINDINGS.required]);
  });
});
