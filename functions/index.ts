import type { Context } from "hono";
import { expirePastDueGrace } from "../db/queries/billing";
import { createApp, mounted } from "../shared/app";
import { apiKeyRoutes } from "../shared/auth/api-key-scopes";
import { remarkRecentRevocations } from "../shared/auth/revocation";
import { entitlementRule } from "../shared/billing/entitlement-rule";
import { clientRateLimitKey } from "../shared/client-ip";
import { createDb, createRedis } from "../shared/clients";
import { loadConfig } from "../shared/config";
import { deliverOutbox, purgeSentEmails } from "../shared/email/outbox";
import type { AppEnv, Bindings } from "../shared/env";
import { dependencyUnavailable } from "../shared/errors";
import { purgeExpiredEvents, rollUpRecentEvents } from "../shared/events/rollups";
import { authenticate, resolveApiKeys } from "../shared/middleware/auth";
import { type RateLimitPolicy, rateLimit } from "../shared/middleware/rate-limit";
import { API_REFERENCE_PATH, OPENAPI_PATH } from "../shared/openapi";
import { withStaticFiles } from "../shared/static-files";
import { adminRoutes } from "./admin";
import { apiKeyRoutes as apiKeyManagementRoutes } from "./api-keys";
import { teamApiKeyRoutes } from "./api-keys/team";
import { authRoutes } from "./auth";
import { billingRoutes } from "./billing";
import { classRoutes } from "./classes";
import { eventRoutes } from "./events";
import { healthRoutes } from "./health";
import { lessonRoutes } from "./lessons";
import { meRoutes } from "./me";
import { patternRoutes } from "./patterns";
import { progressRoutes } from "./progress";
import { progressSummaryRoutes } from "./progress/summary";
import { shareRoutes } from "./shares";
import { teamRoutes } from "./teams";
import { invitationRoutes } from "./teams/join";
import { webhookRoutes } from "./webhooks";

/**
 * Auth routes whose safety needs no Redis, so their limit fails open: signing out and revoking a
 * session end it in the database; listing sessions, second factors (`mfa`) and passkeys are
 * signed-in reads (registering a passkey still needs Redis for its challenge); a refresh token is an
 * unguessable single-use secret checked (reuse included) in Postgres; a Google or GitHub sign-in
 * is authenticated by the provider, with a single-use code bound to a signed flow cookie. A Redis
 * outage must neither keep anyone signed in against their will nor sign everyone out when their
 * access token expires. Sign-up, password and email routes stay closed (throttles and mail abuse
 * need Redis).
 */
const FAIL_OPEN_AUTH_ROUTES =
  /^\/api\/auth\/(signout|signout-all|refresh|sessions(\/[^/]+)?|mfa|passkeys|providers|oauth\/[a-z]+\/(start|callback))$/;

function failsOpenWithoutRedis(c: Context<AppEnv>): boolean {
  return FAIL_OPEN_AUTH_ROUTES.test(c.req.path);
}

const SIGNIN_ROUTES = new Set(["/api/auth/signin", "/api/auth/passkeys/signin"]);

const auth = {
  name: "auth",
  limit: 30,
  window: "1 m",
  failMode: "closed",
  // Sign-in counts failures per account+IP and per IP instead (functions/auth/throttle.ts), and
  // passkey sign-in per IP (its own budget in functions/auth/passkeys.ts).
  skip: (c) => SIGNIN_ROUTES.has(c.req.path) || failsOpenWithoutRedis(c),
} satisfies RateLimitPolicy;

/** Rate-limit policies, one per group. Authentication fails closed when Redis is down; reads fail open. */
const policies = {
  auth,
  // The same bucket as `auth`, failing open (see failsOpenWithoutRedis).
  authSession: { ...auth, failMode: "open", skip: (c) => !failsOpenWithoutRedis(c) },
  api: { name: "api", limit: 300, window: "1 m", failMode: "open" },
  // Payment routes fail closed: without Redis no limit, and no idempotency keys, can be enforced.
  billing: { name: "billing", limit: 60, window: "1 m", failMode: "closed" },
  // Opening share links is per client IP, signed in or not.
  shares: {
    name: "shares",
    limit: 120,
    window: "1 m",
    failMode: "open",
    key: (c) => `ip:${clientRateLimitKey(c)}`,
  },
  // Usage events: per user, else per client IP (the default principal). Closed when Redis is
  // down: an anonymous write path must not go unlimited, and the SDK keeps the batch to retry.
  events: { name: "events", limit: 60, window: "1 m", failMode: "closed" },
  // Invitation links (preview without a session, accept with one) per client IP, so a client
  // cannot try tokens at the database's pace. Closed when Redis is down: an anonymous lookup
  // must not go unlimited.
  invitations: {
    name: "invitations",
    limit: 30,
    window: "1 m",
    failMode: "closed",
    key: (c) => `ip:${clientRateLimitKey(c)}`,
  },
} satisfies Record<string, RateLimitPolicy>;

/** The pattern routes, which personal and team keys alike may call (a team key acts on its team's patterns). */
const patternKeyRoutes = {
  "GET /api/patterns": "patterns:read",
  "GET /api/patterns/:id": "patterns:read",
  "POST /api/patterns": "patterns:write",
  "POST /api/patterns/sync": "patterns:write",
  "PUT /api/patterns/:id": "patterns:write",
  "PATCH /api/patterns/:id": "patterns:write",
  "DELETE /api/patterns/:id": "patterns:write",
} as const;

/**
 * The routes API keys may call and the scope each needs: personal keys (`user`) and a team's
 * keys (`team`) each their own. Every other route refuses keys before any lookup (403
 * api-key-not-accepted): account, sessions, billing, admin, shares, teams and the key routes
 * themselves need a signed-in session. A team key acts for its team only: the personal
 * progress and the lessons are not its team's, and a `:teamId` route takes its own team only.
 */
const apiKeys = {
  user: apiKeyRoutes({
    ...patternKeyRoutes,
    "GET /api/progress": "progress:read",
    "GET /api/progress/:lessonId": "progress:read",
    "POST /api/progress": "progress:write",
    "POST /api/progress/sync": "progress:write",
    "GET /api/lessons": "lessons:read",
    "GET /api/lessons/:id": "lessons:read",
    "POST /api/lessons": "lessons:write",
    "PUT /api/lessons/:id": "lessons:write",
    "DELETE /api/lessons/:id": "lessons:write",
  }),
  team: apiKeyRoutes({
    ...patternKeyRoutes,
    // Class progress (functions/classes, on its own branch until merged): a teacher's key.
    "GET /api/teams/:teamId/progress": "progress:read",
    "GET /api/teams/:teamId/progress/summary": "progress:read",
  }),
};

const app = createApp();

// Groups that know users read the Bearer token first (no DB query), so the limiter counts per
// user and the session revocation check shares its Upstash round trip.
app.use("/api/auth/*", authenticate(), rateLimit(policies.auth), rateLimit(policies.authSession));
// Groups whose GETs only read: those reads leave beside the limiter's round trip, and reach the
// route once it and the session check pass (shared/middleware/read-ahead.ts).
const readAhead = { readAhead: true };
app.use("/api/me/*", authenticate(), rateLimit(policies.api, readAhead));
app.use("/api/admin/*", authenticate(), rateLimit(policies.api));
app.use("/api/api-keys/*", authenticate(), rateLimit(policies.api));
app.use("/api/invitations/*", authenticate(), rateLimit(policies.invitations));
// Groups whose routes accept API keys: the key's cache read shares the limiter's round trip
// (counted per key), then resolveApiKeys checks it before the route runs.
app.use("/api/patterns/*", authenticate({ apiKeys }), rateLimit(policies.api, readAhead), resolveApiKeys());
app.use("/api/lessons/*", authenticate({ apiKeys }), rateLimit(policies.api, readAhead), resolveApiKeys());
app.use("/api/progress/*", authenticate({ apiKeys }), rateLimit(policies.api, readAhead), resolveApiKeys());
app.use("/api/teams/*", authenticate({ apiKeys }), rateLimit(policies.api, readAhead), resolveApiKeys());
app.use("/api/shares/*", authenticate(), rateLimit(policies.shares));
app.use("/api/billing/*", authenticate(), rateLimit(policies.billing));
app.use("/api/events", authenticate(), rateLimit(policies.events));
// Webhooks are not rate limited: Stripe authenticates by signature, and refusing a delivery only delays it.

const routes = app
  .route("/api/health", mounted(healthRoutes))
  .route("/api/auth", mounted(authRoutes))
  .route("/api/me", mounted(meRoutes))
  .route("/api/admin", mounted(adminRoutes))
  .route("/api/api-keys", mounted(apiKeyManagementRoutes))
  .route("/api/teams", mounted(teamApiKeyRoutes))
  .route("/api/patterns", mounted(patternRoutes))
  .route("/api/lessons", mounted(lessonRoutes))
  // Before the group: its /{lessonId} would otherwise take "summary" for a lesson id.
  .route("/api/progress", mounted(progressSummaryRoutes))
  .route("/api/progress", mounted(progressRoutes))
  .route("/api/shares", mounted(shareRoutes))
  .route("/api/billing", mounted(billingRoutes))
  .route("/api/teams", mounted(classRoutes))
  .route("/api/events", mounted(eventRoutes))
  .route("/api/teams", mounted(teamRoutes))
  .route("/api/invitations", mounted(invitationRoutes))
  .route("/api/webhooks", mounted(webhookRoutes));

app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
  type: "http",
  scheme: "bearer",
  bearerFormat: "JWT",
  description: "Access token from sign-up, sign-in or refresh (15 minutes).",
});

/** A file the build wrote into the static assets (dev/bundle/prebuild.ts); 503 if it is missing or they are down. */
async function builtAsset(c: Context<AppEnv>, path: string): Promise<Response> {
  const asset = await c.env.ASSETS.fetch(new URL(path, c.req.url)).catch((error: unknown) => {
    throw dependencyUnavailable("The API description is not available.", error);
  });
  if (!asset.ok) throw dependencyUnavailable("The API description is not available.");
  return asset;
}

// Generated from the routes at build time into the static assets (shared/openapi.ts says why);
// served here so it gets the API's headers and this deployment's URL as its server.
app.get(OPENAPI_PATH, async (c) => {
  const document = await (await builtAsset(c, OPENAPI_PATH)).json<Record<string, unknown>>();
  return c.json({ ...document, servers: [{ url: new URL(c.req.url).origin }] });
});

// The reference page, rendered at build time too: the same page on every request.
app.get(API_REFERENCE_PATH, async (c) => c.html(await (await builtAsset(c, API_REFERENCE_PATH)).text()));

/** The API's type, for typed clients (`hc<AppType>`). */
export type AppType = typeof routes;
export { app };

export default {
  // The admin console and the other static files come from the assets worker (wrangler.assets.toml).
  fetch: withStaticFiles(app.fetch),
  /** Cron: retries emails left in the outbox and purges sent ones and expired email tokens past retention; ends premium whose past_due grace has run out; marks in Redis the sign-outs made while it was down; rolls up usage events and deletes raw ones past retention. */
  async scheduled(_controller: ScheduledController, env: Bindings, ctx: ExecutionContext) {
    const config = loadConfig(env);
    const db = createDb(config);
    ctx.waitUntil(deliverOutbox(db, config));
    ctx.waitUntil(purgeSentEmails(db));
    ctx.waitUntil(expirePastDueGrace(db, entitlementRule(config)));
    ctx.waitUntil(remarkRecentRevocations(db, createRedis(config)));
    ctx.waitUntil(rollUpRecentEvents(db, config));
    ctx.waitUntil(purgeExpiredEvents(db, config));
  },
} satisfies ExportedHandler<Bindings>;
