import { createRoute, z } from "@hono/zod-openapi";
import { acceptInvitation, previewInvitation } from "../../db/queries/team-invitations";
import { createRouter } from "../../shared/app";
import { requestMeta } from "../../shared/client-ip";
import { sha256 } from "../../shared/crypto";
import { requireAuth } from "../../shared/middleware/auth";
import { jsonBody, jsonContent, problemContent } from "../../shared/openapi";
import { orRefuse, refusalProblem } from "./refusals";
import { InvitationPreviewSchema, TeamSchema, TokenBody, toTeamDto } from "./schemas";

/**
 * The invitee's side of an invitation (/api/invitations): what a link invites to, for anyone
 * holding it (rate limited per client IP), and accepting it, signed in with the address it
 * was sent to. Unknown, used, revoked and expired links get one answer (404 invitation-invalid).
 */

const invalid = { 404: problemContent("The link is unknown, used, revoked or expired") };

const preview = createRoute({
  method: "post",
  path: "/preview",
  tags: ["Teams"],
  summary: "What an invitation link invites to (no session needed)",
  request: { body: jsonBody(TokenBody) },
  responses: {
    200: jsonContent(InvitationPreviewSchema, "The invitation"),
    400: problemContent("Not an invitation token"),
    ...invalid,
    429: problemContent("Too many tries from this address"),
  },
});

const accept = createRoute({
  method: "post",
  path: "/accept",
  tags: ["Teams"],
  summary: "Joins the team an invitation link invites to; the link is spent",
  description:
    "The signed-in account's email must be the invitation's. Accepting proves the address: an unverified one becomes verified.",
  security: [{ bearer: [] }],
  middleware: requireAuth(),
  request: { body: jsonBody(TokenBody) },
  responses: {
    200: jsonContent(z.object({ team: TeamSchema }), "Joined"),
    400: problemContent("Not an invitation token"),
    403: problemContent("The invitation is for another address"),
    ...invalid,
    409: problemContent("Already a member, or in as many teams as an account may be"),
  },
});

export const invitationRoutes = createRouter()
  .openapi(preview, async (c) => {
    const invitation = await previewInvitation(c.get("db"), await sha256(c.req.valid("json").token));
    if (!invitation) throw refusalProblem("invitation-invalid", null);
    c.header("Cache-Control", "no-store");
    return c.json({ ...invitation, expiresAt: invitation.expiresAt.toISOString() }, 200);
  })
  .openapi(accept, async (c) => {
    const accepted = await acceptInvitation(c.get("db"), {
      tokenHash: await sha256(c.req.valid("json").token),
      userId: c.get("userId"),
      ...requestMeta(c),
    });
    return c.json({ team: toTeamDto(orRefuse(accepted)) }, 200);
  });
