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
