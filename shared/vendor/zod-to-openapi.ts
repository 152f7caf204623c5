/**
 * @asteasolutions/zod-to-openapi for the worker bundle (wrangler.toml `[alias]`): its registry
 * and zod extension, which routes and schemas use at run time, without the document generators
 * (5.7 KB of the gzipped bundle). @hono/zod-openapi's OpenAPIHono references them from its
 * getOpenAPIDocument methods, so esbuild kept them though the worker never generates: the
 * document is built ahead (dev/bundle/prebuild.ts) and served from the static assets.
 * Tests, tsc and Node use the package itself.
 */
export {
  extendZodWithOpenApi,
  getOpenApiMetadata,
  getRefId,
  OpenAPIRegistry,
  zodToOpenAPIRegistry,
  // @ts-expect-error: the package's types are dist/index.d.ts, which tsc does not pair with index.mjs;
  // nothing type-checks against this file (only the wrangler build's alias uses it).
} from "../../node_modules/@asteasolutions/zod-to-openapi/dist/index.mjs";

/** Stands in for each generator class: generating in the deployed worker is a build mistake. */
class GeneratorNotBundled {
  constructor() {
    throw new Error("The OpenAPI generator is not in the worker bundle: see dev/bundle/prebuild.ts.");
  }
}

export {
  GeneratorNotBundled as OpenApiGeneratorV3,
  GeneratorNotBundled as OpenApiGeneratorV31,
  GeneratorNotBundled as OpenApiGeneratorV32,
};
