/**
 * Zod for the worker bundle (wrangler.toml `[alias] zod`): a `z` holding only the members the
 * worker uses (members.ts), bound to zod's own functions and classes. @hono/zod-openapi hands
 * the whole `z` namespace to extendZodWithOpenApi, so with zod itself esbuild kept every export
 * of it: all schema kinds, 63 error locales, z.compile's JIT parser, JSON Schema import and
 * export, 51 KB of the gzipped bundle. English messages stay (zod's schemas module registers
 * them). Only the wrangler build uses this; tests, tsc and Node import zod itself: zod.test.ts
 * checks each member is zod's, dev/bundle/bundle.test.ts that the worker uses no other.
 */
import * as z from "./members";

export * from "./members";
export { z, z as default };
