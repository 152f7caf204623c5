import { Scalar } from "@scalar/hono-api-reference";
import { createApp } from "../shared/app";
import type { Bindings } from "../shared/env";
import { health } from "./health";

const app = createApp();

const routes = app.route("/api/health", health);

app.doc31("/openapi.json", (c) => ({
  openapi: "3.1.0",
  info: {
    title: "Backline API",
    version: "0.1.0",
    description:
      "Accounts, cloud sync, share links, lessons and billing for static web apps. Errors are RFC 9457 problem+json. " +
      "Unsafe routes that opt in accept an Idempotency-Key; completed responses are kept for replay for 24 hours.",
  },
  servers: [{ url: new URL(c.req.url).origin }],
}));

app.get(
  "/docs",
  Scalar({
    url: "/openapi.json",
    pageTitle: "Backline API reference",
    cdn: "/vendor/scalar-api-reference.js",
  }),
);

/** The API's type, for typed clients (`hc<AppType>`). */
export type AppType = typeof routes;
export { app };

export default {
  fetch: app.fetch,
  async scheduled(_controller: ScheduledController, _env: Bindings, _ctx: ExecutionContext) {
    // Housekeeping jobs (outbox retries) join here as their issues land.
  },
} satisfies ExportedHandler<Bindings>;
