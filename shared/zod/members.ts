/**
 * The members of `z` the worker reads at run time, from zod's own modules: what the worker's
 * sources call (dev/bundle/zod-usage.ts lists them; dev/bundle/bundle.test.ts fails when one is
 * missing here) and `ZodType`, which @hono/zod-openapi's extendZodWithOpenApi patches.
 * Schema methods (.optional(), .extend(), .min(), …) come with their classes, whatever is listed.
 */

export * as coerce from "../../node_modules/zod/v4/classic/coerce.js";
export * as iso from "../../node_modules/zod/v4/classic/iso.js";
export {
  array,
  boolean,
  email,
  enum,
  literal,
  null,
  number,
  object,
  record,
  string,
  union,
  unknown,
  url,
  uuid,
  ZodType,
} from "../../node_modules/zod/v4/classic/schemas.js";
export { NEVER } from "../../node_modules/zod/v4/core/core.js";
