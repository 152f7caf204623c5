import { createRoute, z } from "@hono/zod-openapi";
import { changeMemberRole, listMembers, removeMember, transferOwnership } from "../../db/queries/teams";
import { createRouter } from "../../shared/app";
import { requestMeta } from "../../shared/client-ip";
import { page } from "../../shared/cursor";
import { jsonBody, jsonContent, problemContent } from "../../shared/openapi";
import { notMember, signedIn } from "./common";
import { orRefuse, refusalProblem } from "./refusals";
import {
  ChangeRoleBody,
  MemberParams,
  MemberSchema,
  MembersQuery,
  RemoveMemberParams,
  TeamIdParam,
  TeamSchema,
  TransferBody,
  toMemberDto,
  toTeamDto,
} from "./schemas";

/**
 * A team's members: the list, role changes, removal, leaving and ownership transfer. A team
 * keeps at least one owner: what would remove the last one answers 409 `last-owner`.
 */

const lastOwner = { 409: problemContent("It would leave the team without an owner") };

const list = createRoute({
  ...signedIn,
  method: "get",
  path: "/{id}/members",
  summary: "A page of the team's members, newest first (addresses for managers only)",
  request: { params: TeamIdParam, query: MembersQuery },
  responses: {
    200: jsonContent(
      z.object({
        members: z.array(MemberSchema),
        nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor`; null at the end" }),
      }),
      "Members",
    ),
    ...notMember,
  },
});

const changeRole = createRoute({
  ...signedIn,
  method: "patch",
  path: "/{id}/members/{userId}",
  summary: "Changes a member's role (managers; only owners grant or take ownership)",
  request: { params: MemberParams, body: jsonBody(ChangeRoleBody) },
  responses: {
    200: jsonContent(MemberSchema, "The member as changed"),
    400: problemContent("Not a role of this team's kind"),
    403: problemContent("Your role does not allow it"),
    ...notMember,
    ...lastOwner,
  },
});

const remove = createRoute({
  ...signedIn,
  method: "delete",
  path: "/{id}/members/{userId}",
  summary: "Removes a member (managers; only owners remove owners), or with `me` leaves the team",
  request: { params: RemoveMemberParams },
  responses: {
    204: { description: "Removed" },
    403: problemContent("Your role does not allow it"),
    ...notMember,
    ...lastOwner,
  },
});

const transfer = createRoute({
  ...signedIn,
  method: "post",
  path: "/{id}/transfer",
  summary: "Makes another member an owner; you become admin (a team) or teacher (a class)",
  request: { params: TeamIdParam, body: jsonBody(TransferBody) },
  responses: {
    200: jsonContent(TeamSchema, "The team, with your new role"),
    400: problemContent("The member named is you"),
    403: problemContent("Only an owner transfers ownership"),
    ...notMember,
  },
});

export const memberRoutes = createRouter()
  .openapi(list, async (c) => {
    const { cursor, limit } = c.req.valid("query");
    const result = await listMembers(c.get("db"), {
      teamId: c.req.valid("param").id,
      userId: c.get("userId"),
      cursor,
      limit,
    });
    if (!result.callerRole) throw refusalProblem("team-not-found", null);
    const { items, nextCursor } = page(result.members, limit, (m) => ({
      at: m.joinedAt.toISOString(),
      id: m.userId,
    }));
    return c.json({ members: items.map(toMemberDto), nextCursor }, 200);
  })
  .openapi(changeRole, async (c) => {
    const { id, userId } = c.req.valid("param");
    const changed = await changeMemberRole(c.get("db"), {
      teamId: id,
      userId: c.get("userId"),
      memberId: userId,
      role: c.req.valid("json").role,
      ...requestMeta(c),
    });
    return c.json(toMemberDto(orRefuse(changed)), 200);
  })
  .openapi(remove, async (c) => {
    const { id, userId } = c.req.valid("param");
    const removed = await removeMember(c.get("db"), {
      teamId: id,
      userId: c.get("userId"),
      memberId: userId === "me" ? c.get("userId") : userId,
      ...requestMeta(c),
    });
    orRefuse(removed);
    return c.body(null, 204);
  })
  .openapi(transfer, async (c) => {
    const transferred = await transferOwnership(c.get("db"), {
      teamId: c.req.valid("param").id,
      userId: c.get("userId"),
      memberId: c.req.valid("json").userId,
      ...requestMeta(c),
    });
    return c.json(toTeamDto(orRefuse(transferred)), 200);
  });
