/**
 * @upstash/core-analytics as the worker bundles it (wrangler.toml `[alias]`). @upstash/ratelimit
 * builds this class only for a limiter with `analytics: true`; the worker's limiters set
 * `analytics: false` (shared/middleware/rate-limit.ts). The real package is CommonJS, which
 * esbuild keeps whole: 2.3 KB of the gzipped bundle for code that never runs. Tests use the
 * real package; dev/bundle/bundle.test.ts checks that every limiter keeps analytics off.
 */
export class Analytics {
  constructor() {
    throw new Error("Rate-limit analytics are not in the worker bundle: see shared/vendor/no-analytics.ts.");
  }
}
