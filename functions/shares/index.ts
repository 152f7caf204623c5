import { createRoute, z } from "@hono/zod-openapi";
import { iso } from "../../db/iso";
import { fromRow } from "../../db/queries/patterns";
import { createShare, listShares, revokeShare, viewShare } from "../../db/queries/shares";
import { createRouter } from "../../shared/app";
import { randomBase62 } from "../../shared/crypto";
import { problems } from "../../shared/errors";
import { assertLiveSession, requireAuth } from "../../shared/middleware/auth";
import { jsonContent, problemContent } from "../../shared/openapi";
import { PatternSchema, toPatternDto } from "../../shared/patterns/pattern-dto";
import { CreateShareBody, ShareIdParam } from "../../shared/schemas/shares";
import { shareProblems } from "./problems";

const ShareSchema = z
  .object({
    shareId: z.string(),
    url: z.url(),
    patternId: z.uuid(),
    public: z.boolean(),
    views: z.number().int(),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime().nullable(),
  })
  .openapi("Share");

const signedIn = { security: [{ bearer: [] }], middleware: requireAuth(), tags: ["Shares"] };

const create = createRoute({
  ...signedIn,
  method: "post",
  path: "/",
  summary: "Creates a share link to one of your patterns, or to a team's you wrote or manage",
  request: {
    body: {
      content: {
        "application/json": {
          schema: CreateShareBody,
        },
      },
      required: true,
    },
  },
  responses: {
    201: jsonContent(ShareSchema, "The link"),
    403: problemContent("A team's pattern: only its author or a team manager shares it"),
    404: problemContent("No pattern of yours or of a team you belong to has this id"),
  },
});

const open = createRoute({
  method: "get",
  path: "/{shareId}",
  tags: ["Shares"],
  summary: "Opens a share link: the live pattern, counting the view",
  request: { params: ShareIdParam },
  responses: {
    200: jsonContent(z.object({ pattern: PatternSchema, views: z.number().int() }), "The shared pattern"),
    401: problemContent("This link is for signed-in users"),
    404: problemContent("Unknown or revoked link, or the pattern was deleted"),
    410: problemContent("The link expired"),
  },
});

const revoke = createRoute({
  ...signedIn,
  method: "delete",
  path: "/{shareId}",
  summary: "Revokes one of your links, or a link to a team's pattern you wrote or manage",
  request: { params: ShareIdParam },
  responses: { 204: { description: "Revoked" }, 404: problemContent("No live link you may revoke") },
});

const list = createRoute({
  ...signedIn,
  method: "get",
  path: "/",
  summary: "Your live links with their view counts",
  responses: { 200: jsonContent(z.object({ shares: z.array(ShareSchema) }), "Links, newest first") },
});

function shareUrl(base: string, shareId: string): string {
  return `${base.replace(/\/?$/, "/")}${shareId}`;
}

export const shareRoutes = createRouter()
  .openapi(create, async (c) => {
    const { patternId, public: isPublic, expiresIn } = c.req.valid("json");
    const shareId = randomBase62();
    const expiresAt = expiresIn ? new Date(Date.now() + expiresIn * 1000) : null;
    const created = await createShare(c.get("db"), {
      shareId,
      patternId,
      ownerId: c.get("userId"),
      isPublic,
      expiresAt,
    });
    if (created.outcome === "missing") throw problems.notFound("No pattern of yours has this id.");
    if (created.outcome === "denied") {
      throw shareProblems.teamRoleRequired(
        "Only the pattern's author or a team owner, admin or teacher can share it.",
      );
    }
    const url = shareUrl(c.get("config").SHARE_BASE_URL, shareId);
    c.header("Location", `/api/shares/${shareId}`);
    return c.json(
      {
        shareId,
        url,
        patternId,
        public: isPublic,
        views: 0,
        createdAt: new Date(created.createdAt).toISOString(),
        expiresAt: iso(expiresAt),
      },
      201,
    );
  })
  .openapi(open, async (c) => {
    const signedIn = c.get("auth") !== undefined;
    if (signedIn) await assertLiveSession(c);
    const view = await viewShare(c.get("db"), c.req.valid("param").shareId, signedIn);
    if (view.outcome === "expired") throw problems.gone("This share link has expired.");
    if (view.outcome === "needs-auth") throw problems.unauthorized("Sign in to open this share link.");
    if (view.outcome !== "ok") throw problems.notFound("This share link does not exist or was revoked.");
    c.header("Cache-Control", "no-store");
    return c.json({ pattern: toPatternDto(fromRow(view.pattern)), views: view.views }, 200);
  })
  .openapi(revoke, async (c) => {
    const revoked = await revokeShare(c.get("db"), c.req.valid("param").shareId, c.get("userId"));
    if (!revoked) throw problems.notFound("No live share link you may revoke has this id.");
    return c.body(null, 204);
  })
  .openapi(list, async (c) => {
    const base = c.get("config").SHARE_BASE_URL;
    const rows = await listShares(c.get("db"), c.get("userId"));
    const out = rows.map((s) => ({
      shareId: s.shareId,
      url: shareUrl(base, s.shareId),
      patternId: s.patternId,
      public: s.isPublic,
      views: s.views,
      createdAt: s.createdAt.toISOString(),
      expiresAt: iso(s.expiresAt),
    }));
    return c.json({ shares: out }, 200);
  });
