import { z } from "@hono/zod-openapi";

/** RFC 9457 problem details as every error response carries them. */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "https://backline.dev/problems/validation" }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string(),
    requestId: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem");

/** The problem+json content block for route `responses`. */
export function problemContent(description: string) {
  return { description, content: { "application/problem+json": { schema: ProblemSchema } } };
}

/** A JSON response block for route `responses`. */
export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

/** A JSON request body for route `request.body`. */
export function jsonBody<T extends z.ZodType>(schema: T, required = true) {
  return { content: { "application/json": { schema } }, required };
}

/**
 * The OpenAPI document's head. The document is generated from the routes at build time
 * (dev/bundle/prebuild.ts, wrangler.toml `[build]`) into the static assets: the
 * generator would add 5.7 KB to the gzipped worker, and the JSON embedded in it 8.6 KB. The
 * worker serves it with `servers` set to the request's origin.
 */
export const OPENAPI_HEAD = {
  openapi: "3.1.0",
  info: {
    title: "Backline API",
    version: "0.1.0",
    description:
      "Accounts, cloud sync, share links, lessons and billing for static web apps. Errors are RFC 9457 problem+json. " +
      "Unsafe routes that opt in accept an Idempotency-Key; completed responses are kept for replay for 24 hours.",
  },
} as const;

/** Where the generated document is, in the static assets (`[assets] directory`) and on the API. */
export const OPENAPI_PATH = "/openapi.json";

/**
 * The API reference page (Scalar), rendered at build time too (public/docs.html, served by the
 * worker at /docs): Scalar's renderer would add 2 KB to the gzipped worker for a constant page.
 */
export const API_REFERENCE_PATH = "/docs";
export const API_REFERENCE = {
  url: OPENAPI_PATH,
  pageTitle: "Backline API reference",
  cdn: "/vendor/scalar-api-reference.js",
} as const;
