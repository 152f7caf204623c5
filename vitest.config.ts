import { availableParallelism } from "node:os";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import type { StackInfo } from "./test/global-setup";

export default defineConfig({
  test: {
    // Most of a test's time is spent waiting: on Postgres, on the stand-ins, on a browser, on a
    // rate-limit window to pass. Vitest's default (one file at a time on a 2-core machine) leaves
    // a core idle; two files at a time halve the worker suite's time there.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        test: {
          name: "node",
          include: ["dev/**/*.test.ts", "client/**/*.test.ts", "test/import-cycles.test.ts"],
          environment: "node",
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        plugins: [
          cloudflareTest(({ inject }) => {
            const stack = inject<StackInfo>("stack");
            return {
              wrangler: { configPath: "./wrangler.toml", environment: "dev" },
              miniflare: {
                // The assets worker the API binds as ASSETS (wrangler.assets.toml, as `--env dev`
                // names it): the static files alone, with no code of their own.
                workers: [
                  {
                    name: "backline-assets-dev",
                    compatibilityDate: "2026-10-01",
                    modules: true,
                    script: "export default {};",
                    assets: { directory: "./public", routerConfig: { has_user_worker: false } },
                  },
                ],
                bindings: {
                  APP_ENV: "test",
                  ALLOWED_ORIGINS: "http://localhost:8788,https://app.example.com",
                  DATABASE_URL: stack.databaseUrl,
                  NEON_HTTP_ENDPOINT: stack.neonEndpoint,
                  UPSTASH_REDIS_REST_URL: stack.upstashUrl,
                  UPSTASH_REDIS_REST_TOKEN: stack.upstashToken,
                  STRIPE_API_BASE: stack.stripeApiBase,
                  STRIPE_SECRET_KEY: "sk_test_backline_local",
                  STRIPE_WEBHOOK_SECRET: stack.stripeWebhookSecret,
                  JWT_SECRET: "test-jwt-secret-0123456789abcdefghijklmnopqrstuvwxyz",
                  MFA_ENCRYPTION_KEY: "test-mfa-key-0123456789abcdefghijklmnopqrstuvwxyz",
                  MAIL_TRANSPORT: "mailbox",
                  MAIL_URL: stack.mailboxUrl,
                  APP_URL: "https://app.example.com",
                  // Cheap password hashes: the suites sign up hundreds of users. The tests about
                  // the real cost (throttle, rehash, shared/crypto.test.ts) set it back.
                  PASSWORD_HASH_COST: "4",
                  STACK_URL: stack.url,
                  MAILBOX_URL: stack.mailboxUrl,
                },
              },
            };
          }),
        ],
        test: {
          name: "workers",
          include: ["functions/**/*.test.ts", "shared/**/*.test.ts", "test/**/*.test.ts"],
          exclude: ["test/browser/**", "test/import-cycles.test.ts"],
          globalSetup: ["test/global-setup.ts"],
          // One workerd per pool slot, reused by the files it runs, as a Worker isolate is reused
          // by the requests it serves: module state (config, the JWT key, the db) outlives a file.
          // Every file makes its own database and bindings (test/support/harness.ts fileEnv).
          // A fresh workerd per file cost 1.2-1.4 s each, more than most files' tests.
          isolate: false,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/browser/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
