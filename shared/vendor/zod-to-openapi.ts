/**
 * @asteasolutions/zod-to-openapi for the worker bundle (wrangler.toml `[alias]`): what
 * @hono/zod-openapi calls at run time, keeping nothing (2 KB of the gzipped bundle). The
 * document is generated from the routes at build time (dev/bundle/prebuild.ts, with the package
 * itself) and served from the static assets, so the deployed worker has no reader for the
 * OpenAPI metadata its routes and schemas declare: `.openapi(…)` returns the schema itself,
 * unchanged (the package would copy it to attach the metadata), and the registry of paths and
 * components stays empty. Validation is zod's either way. Tests, tsc and Node use the package.
 */

/** The part of zod's namespace that `extendZodWithOpenApi` patches. */
interface ZodNamespace {
  ZodType: { prototype: { openapi?: unknown } };
}

/** Gives every zod schema `.openapi(refId?, metadata?)`, which returns the schema itself here. */
export function extendZodWithOpenApi(zod: ZodNamespace): void {
  if (zod.ZodType.prototype.openapi !== undefined) return;
  zod.ZodType.prototype.openapi = function openapi<T>(this: T): T {
    return this;
  };
}

/** No schema carries OpenAPI metadata in the deployed worker. */
export function getOpenApiMetadata(): Record<string, never> {
  return {};
}

/** The registry @hono/zod-openapi records each route and component in, for the generators: empty here. */
export class OpenAPIRegistry {
  readonly definitions: never[] = [];

  register<T>(_refId: string, schema: T): T {
    return schema;
  }

  registerParameter<T>(_refId: string, schema: T): T {
    return schema;
  }

  registerPath(): void {}

  registerWebhook(): void {}

  registerComponent(type: string, name: string): { name: string; ref: { $ref: string } } {
    return { name, ref: { $ref: `#/components/${type}/${name}` } };
  }
}

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
