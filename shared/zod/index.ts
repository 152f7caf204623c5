/**
 * Zod for the worker bundle (wrangler.toml `[alias] zod`): the same modules as the `zod`
 * package, without `z.locales` and `z.core.locales`. @hono/zod-openapi hands the whole `z`
 * namespace to extendZodWithOpenApi, so esbuild kept every export of it, including 63 error
 * locales we never configure (English is registered by zod's schemas module itself):
 * 38 KiB of the gzipped bundle. Only the wrangler build uses this; tests, tsc and Node import
 * zod itself, and zod.test.ts checks that both expose the same bindings.
 */
import * as z from "./external";

export * from "./external";
export { z, z as default };
