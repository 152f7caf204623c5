// @ts-expect-error: types are dist/index.d.ts, which tsc does not pair with index.mjs.
export { Ratelimit } from "../../node_modules/@upstash/ratelimit/dist/index.mjs";
