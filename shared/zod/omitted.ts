/**
 * What the worker's zod (wrangler.toml `[alias] zod`) leaves out of the `zod` package: the error
 * locales, z.compile's opt-in JIT parser and fromJSONSchema. Tests and Node use zod itself, so
 * a worker source calling one of these would pass the tests and fail deployed:
 * dev/bundle/bundle.test.ts checks that none does, zod.test.ts that nothing else is left out.
 */
export const OMITTED_FROM_WORKER = [
  "locales",
  "compile",
  "compileFn",
  "withParser",
  "INVALID",
  "ZodCompileAsyncError",
  "ZodCompileUnsupportedError",
  "fromJSONSchema",
] as const;
