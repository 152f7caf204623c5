import { createRoute, z } from "@hono/zod-openapi";
import type { Hono, MiddlewareHandler } from "hono";
import { createApp, createRouter } from "../../shared/app";
import type { AppEnv } from "../../shared/env";

/** A root app with the production middleware stack and one extra group, for testing cross-cutting behaviour. */
export function appWith(path: string, group: Hono<AppEnv>, ...middleware: MiddlewareHandler<AppEnv>[]) {
  const app = createApp();
  for (const m of middleware) app.use(`${path}/*`, m);
  app.route(path, group);
  return app;
}

const NoteSchema = z.object({
  title: z.string().min(1).max(20),
  tempo: z.number().int().min(20).max(300),
});

/** A small group with a validated body and query, used by the error-shape tests. */
export function notesGroup() {
  return createRouter().openapi(
    createRoute({
      method: "post",
      path: "/",
      request: {
        query: z.object({ dryRun: z.enum(["true", "false"]).optional() }),
        body: { content: { "application/json": { schema: NoteSchema } }, required: true },
      },
      responses: { 201: { description: "Created" } },
    }),
    (c) => c.json({ ok: true, note: c.req.valid("json") }, 201),
  );
}
