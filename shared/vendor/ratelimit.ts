/**
 * @upstash/ratelimit for the worker bundle (wrangler.toml `[alias]`): the same code, as the
 * package's ES module build (its main is CommonJS, which esbuild keeps whole), so the bundle
 * keeps only what the worker uses: 1.2 KB gzipped less.
 */
export { Ratelimit } from "../../node_modules/@upstash/ratelimit/dist/index.mjs";
