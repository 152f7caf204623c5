import { createRoute, z } from "@hono/zod-openapi";
import {
  createInvitation,
  INVITATION_TTL_DAYS,
  listInvitations,
  resendInvitation,
  revokeInvitation,
} from "../../db/queries/team-invitations";
import { createRouter } from "../../shared/app";
import { requestMeta } from "../../shared/client-ip";
import { isUniqueViolation } from "../../shared/db-errors";
import { deliverAfterResponse } from "../../shared/email/outbox";
import type { EmailTemplate } from "../../shared/email/templates";
import { jsonBody, jsonContent, problemContent } from "../../shared/openapi";
import { notMember, signedIn } from "./common";
import { orRefuse, refusalProblem } from "./refusals";
import { InvitationParams, InvitationSchema, InviteBody, TeamIdParam, toInvitationDto } from "./schemas";

/**
 * Invitations a team's managers send, list, revoke and resend. Each email's link is minted
 * when the outbox sends it (its secret never rests in the database); the invitee previews
 * and accepts it through /api/invitations (join.ts).
 */

/** The outbox template of invitation emails (shared/email/templates.ts). */
const TEMPLATE: EmailTemplate["template"] = "team-invitation";

const managersOnly = { 403: problemContent("Your role does not allow it"), ...notMember };

const invite = createRoute({
  ...signedIn,
  method: "post",
  path: "/{id}/invitations",
  summary: `Invites an address to the team by email; the link works for ${INVITATION_TTL_DAYS} days, once`,
  description: "Managers invite; only owners invite owners. The role must be one of the team's kind.",
  request: { params: TeamIdParam, body: jsonBody(InviteBody) },
  responses: {
    201: jsonContent(InvitationSchema, "Invited; the email is on its way"),
    400: problemContent("Invalid address, or not a role of this team's kind"),
    ...managersOnly,
    409: problemContent("The address belongs to a member, or has a pending invitation (resend it)"),
  },
});

const list = createRoute({
  ...signedIn,
  method: "get",
  path: "/{id}/invitations",
  summary: "The team's pending invitations, newest first (managers)",
  request: { params: TeamIdParam },
  responses: {
    200: jsonContent(z.object({ invitations: z.array(InvitationSchema) }), "Pending invitations"),
    ...managersOnly,
  },
});

const revoke = createRoute({
  ...signedIn,
  method: "delete",
  path: "/{id}/invitations/{invitationId}",
  summary: "Revokes a pending invitation: its link stops working at once (managers)",
  request: { params: InvitationParams },
  responses: {
    204: { description: "Revoked" },
    ...managersOnly,
  },
});

const resend = createRoute({
  ...signedIn,
  method: "post",
  path: "/{id}/invitations/{invitationId}/resend",
  summary: `Emails a pending invitation again with a new link and ${INVITATION_TTL_DAYS} more days; the old link stops working`,
  request: { params: InvitationParams },
  responses: {
    202: { description: "Sent again" },
    ...managersOnly,
  },
});

export const teamInvitationRoutes = createRouter()
  .openapi(invite, async (c) => {
    const { email, role } = c.req.valid("json");
    const teamId = c.req.valid("param").id;
    const outboxId = crypto.randomUUID();
    const invited = await createInvitation(c.get("db"), {
      id: crypto.randomUUID(),
      outboxId,
      template: TEMPLATE,
      teamId,
      userId: c.get("userId"),
      email,
      role,
      ...requestMeta(c),
    }).catch((error: unknown) => {
      // Another invitation to the address was made at the same moment.
      if (isUniqueViolation(error, "team_invitations_pending_unique")) {
        throw refusalProblem("invitation-pending", null);
      }
      throw error;
    });
    const invitation = orRefuse(invited);
    deliverAfterResponse(c, [outboxId]);
    c.header("Location", `/api/teams/${teamId}/invitations/${invitation.id}`);
    return c.json(toInvitationDto(invitation), 201);
  })
  .openapi(list, async (c) => {
    const result = await listInvitations(c.get("db"), {
      teamId: c.req.valid("param").id,
      userId: c.get("userId"),
    });
    if (!result.callerRole) throw refusalProblem("team-not-found", null);
    if (!result.isManager) throw refusalProblem("manager-required", result.kind);
    return c.json({ invitations: result.invitations.map(toInvitationDto) }, 200);
  })
  .openapi(revoke, async (c) => {
    const { id, invitationId } = c.req.valid("param");
    const revoked = await revokeInvitation(c.get("db"), {
      teamId: id,
      userId: c.get("userId"),
      invitationId,
      ...requestMeta(c),
    });
    orRefuse(revoked);
    return c.body(null, 204);
  })
  .openapi(resend, async (c) => {
    const { id, invitationId } = c.req.valid("param");
    const outboxId = crypto.randomUUID();
    const resent = await resendInvitation(c.get("db"), {
      teamId: id,
      userId: c.get("userId"),
      invitationId,
      outboxId,
      template: TEMPLATE,
      ...requestMeta(c),
    });
    orRefuse(resent);
    deliverAfterResponse(c, [outboxId]);
    return c.body(null, 202);
  });
