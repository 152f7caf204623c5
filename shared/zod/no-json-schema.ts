/**
 * zod's JSON Schema export for the worker bundle: left out (wrangler.toml `[alias]` sends zod's
 * classic schemas' `../core/to-json-schema.js` and `../core/json-schema-processors.js` imports
 * here; 5 KB of the gzipped bundle). The worker never turns a schema into JSON Schema: the
 * OpenAPI document is generated at build time (dev/bundle/prebuild.ts). Each schema class still
 * gets its `toJSONSchema()` and `~standard.jsonSchema` methods, which throw if called; the
 * checks' getters (`minLength`, `format`, …) keep zod's own `aggregateChecks`. Tests, tsc and
 * Node use zod itself; dev/bundle/bundle.test.ts checks this module exports every name the
 * classic schemas read from those two modules.
 */
export { aggregateChecks } from "../../node_modules/zod/v4/core/json-schema-processors.js";

const NOT_BUNDLED = "zod's JSON Schema export is not in the worker bundle: see shared/zod/no-json-schema.ts.";

/** Stands in for each JSON Schema processor and method: never called in the deployed worker. */
function jsonSchemaNotBundled(): never {
  throw new Error(NOT_BUNDLED);
}

/** `schema.toJSONSchema` and `schema["~standard"].jsonSchema.{input,output}`: made per schema, throw when called. */
export const createToJSONSchemaMethod = () => jsonSchemaNotBundled;
export const createStandardJSONSchemaMethod = () => jsonSchemaNotBundled;

export {
  jsonSchemaNotBundled as anyProcessor,
  jsonSchemaNotBundled as arrayProcessor,
  jsonSchemaNotBundled as bigintProcessor,
  jsonSchemaNotBundled as booleanProcessor,
  jsonSchemaNotBundled as catchProcessor,
  jsonSchemaNotBundled as customProcessor,
  jsonSchemaNotBundled as dateProcessor,
  jsonSchemaNotBundled as defaultProcessor,
  jsonSchemaNotBundled as enumProcessor,
  jsonSchemaNotBundled as fileProcessor,
  jsonSchemaNotBundled as functionProcessor,
  jsonSchemaNotBundled as intersectionProcessor,
  jsonSchemaNotBundled as lazyProcessor,
  jsonSchemaNotBundled as literalProcessor,
  jsonSchemaNotBundled as mapProcessor,
  jsonSchemaNotBundled as nanProcessor,
  jsonSchemaNotBundled as neverProcessor,
  jsonSchemaNotBundled as nonoptionalProcessor,
  jsonSchemaNotBundled as nullableProcessor,
  jsonSchemaNotBundled as nullProcessor,
  jsonSchemaNotBundled as numberProcessor,
  jsonSchemaNotBundled as objectProcessor,
  jsonSchemaNotBundled as optionalProcessor,
  jsonSchemaNotBundled as pipeProcessor,
  jsonSchemaNotBundled as prefaultProcessor,
  jsonSchemaNotBundled as promiseProcessor,
  jsonSchemaNotBundled as readonlyProcessor,
  jsonSchemaNotBundled as recordProcessor,
  jsonSchemaNotBundled as setProcessor,
  jsonSchemaNotBundled as stringProcessor,
  jsonSchemaNotBundled as successProcessor,
  jsonSchemaNotBundled as symbolProcessor,
  jsonSchemaNotBundled as templateLiteralProcessor,
  jsonSchemaNotBundled as transformProcessor,
  jsonSchemaNotBundled as tupleProcessor,
  jsonSchemaNotBundled as undefinedProcessor,
  jsonSchemaNotBundled as unionProcessor,
  jsonSchemaNotBundled as unknownProcessor,
  jsonSchemaNotBundled as voidProcessor,
};
