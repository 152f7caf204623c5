import { createRoute, z } from "@hono/zod-openapi";
import { listSignInMethods, unlinkIdentity } from "../../db/queries/identities";
import { createRouter } from "../../shared/app";
import { allowedRedirect, callbackUrl, setFlowCookie } from "../../shared/auth/oauth-flow";
import { oauthProblems } from "../../shared/auth/oauth-problems";
import {
  OAUTH_PROVIDERS,
  offeredProvider,
  PROVIDER_NAMES,
  ProviderClient,
} from "../../shared/auth/oauth-providers";
import { requestMeta } from "../../shared/client-ip";
import { deliverAfterResponse } from "../../shared/email/outbox";
import { queuedEmail } from "../../shared/email/templates";
import { problems } from "../../shared/errors";
import { requireAuth } from "../../shared/middleware/auth";
import { jsonBody, jsonContent, problemContent } from "../../shared/openapi";

const ProviderParam = z.object({
  provider: z.enum(OAUTH_PROVIDERS).openapi({ param: { name: "provider", in: "path" }, example: "github" }),
});

const IdentitySchema = z
  .object({
    provider: z.enum(OAUTH_PROVIDERS),
    email: z.string().nullable().openapi({ description: "The address the provider gave when linked" }),
    linkedAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Identity");

const SignInMethodsSchema = z
  .object({
    hasPassword: z
      .boolean()
      .openapi({ description: "false for accounts made through a provider until a reset sets one" }),
    identities: z.array(IdentitySchema),
  })
  .openapi("SignInMethods");

const LinkBody = z
  .object({
    redirect: z.string().optional().openapi({
      description: "Where the browser returns: an URL on an allowed origin (default: the app URL)",
    }),
  })
  .strict();

const list = createRoute({
  method: "get",
  path: "/identities",
  tags: ["Me"],
  summary: "The provider accounts linked to the signed-in user, and whether the account has a password",
  security: [{ bearer: [] }],
  middleware: [requireAuth()] as const,
  responses: {
    200: jsonContent(SignInMethodsSchema, "Linked identities, oldest first"),
    401: problemContent("Not signed in"),
  },
});

const link = createRoute({
  method: "post",
  path: "/identities/{provider}",
  tags: ["Me"],
  summary: "Starts linking a provider account to the signed-in user",
  description:
    "Answers the provider URL the browser must navigate to, and sets the flow cookie (state, PKCE, the user and session) for the callback, which links instead of signing in and returns to `redirect`, with `error=<problem type>` on failure (e.g. `oauth-identity-taken` when that provider account signs in to another user).",
  security: [{ bearer: [] }],
  middleware: [requireAuth()] as const,
  request: { params: ProviderParam, body: jsonBody(LinkBody, false) },
  responses: {
    200: jsonContent(z.object({ url: z.string() }), "The provider URL to navigate to"),
    400: problemContent("`redirect` is not on an allowed origin"),
    401: problemContent("Not signed in"),
    404: problemContent("This provider is not offered"),
    409: problemContent("An account of this provider is linked already"),
  },
});

const unlink = createRoute({
  method: "delete",
  path: "/identities/{provider}",
  tags: ["Me"],
  summary: "Unlinks the signed-in user's account of a provider",
  security: [{ bearer: [] }],
  middleware: [requireAuth()] as const,
  request: { params: ProviderParam },
  responses: {
    204: { description: "Unlinked; the owner is told by email" },
    401: problemContent("Not signed in"),
    404: problemContent("No account of this provider is linked"),
    409: problemContent("It is the account's only way to sign in (no password, no other identity)"),
  },
});

export const identityRoutes = createRouter()
  .openapi(list, async (c) => {
    const methods = await listSignInMethods(c.get("db"), c.get("userId"));
    if (!methods) throw problems.notFound("This account no longer exists.");
    const identities = methods.identities.map((i) => ({ ...i, linkedAt: i.linkedAt.toISOString() }));
    return c.json({ hasPassword: methods.hasPassword, identities }, 200);
  })
  .openapi(link, async (c) => {
    const { provider: name } = c.req.valid("param");
    const config = c.get("config");
    const provider = offeredProvider(config, name);
    if (!provider) throw oauthProblems.providerNotOffered();
    const redirect = allowedRedirect(c, c.req.valid("json")?.redirect);
    const methods = await listSignInMethods(c.get("db"), c.get("userId"));
    if (!methods) throw problems.notFound("This account no longer exists.");
    if (methods.identities.some((i) => i.provider === provider)) throw oauthProblems.providerLinked();
    const client = new ProviderClient(provider, config, callbackUrl(c, provider));
    const { flow, url } = client.start(redirect);
    const claims = c.get("claims");
    await setFlowCookie(c, provider, { ...flow, link: { userId: claims.sub, sessionId: claims.sid } });
    c.header("Cache-Control", "no-store");
    return c.json({ url: url.toString() }, 200);
  })
  .openapi(unlink, async (c) => {
    const { provider } = c.req.valid("param");
    const outboxId = crypto.randomUUID();
    const done = await unlinkIdentity(c.get("db"), {
      userId: c.get("userId"),
      provider,
      outboxId,
      // The statement fills in the display name it reads.
      notice: queuedEmail({
        template: "identity-removed",
        displayName: "",
        provider: PROVIDER_NAMES[provider],
      }),
      ...requestMeta(c),
    });
    if (done.outcome === "none") throw problems.notFound("No account of this provider is linked.");
    if (done.outcome === "last") throw oauthProblems.lastSignInMethod();
    deliverAfterResponse(c, [outboxId]);
    return c.body(null, 204);
  });
