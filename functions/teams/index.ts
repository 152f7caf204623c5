import { createRoute, z } from "@hono/zod-openapi";
import {
  createTeam,
  deleteTeam,
  findTeam,
  listTeams,
  MAX_TEAMS_PER_USER,
  renameTeam,
} from "../../db/queries/teams";
import { createRouter, mounted } from "../../shared/app";
import { requestMeta } from "../../shared/client-ip";
import { jsonBody, jsonContent, problemContent } from "../../shared/openapi";
import { notMember, signedIn } from "./common";
import { teamInvitationRoutes } from "./invitations";
import { memberRoutes } from "./members";
import { teamProblems } from "./problems";
import { orRefuse } from "./refusals";
import { CreateTeamBody, RenameTeamBody, TeamIdParam, TeamSchema, toTeamDto } from "./schemas";

/**
 * Teams and classes: the caller's teams, and each team's name and lifetime. Members and
 * invitations are their own files; every route under /{id} answers a non-member with the 404
 * of an unknown id, decided in the route's one statement.
 */

const create = createRoute({
  ...signedIn,
  method: "post",
  path: "/",
  summary: "Creates a team or class; you are its owner",
  request: { body: jsonBody(CreateTeamBody) },
  responses: {
    201: jsonContent(TeamSchema, "Created"),
    400: problemContent("Invalid name or kind"),
    409: problemContent(`You already belong to ${MAX_TEAMS_PER_USER} teams`),
  },
});

const list = createRoute({
  ...signedIn,
  method: "get",
  path: "/",
  summary: "Your teams and classes, newest first",
  responses: { 200: jsonContent(z.object({ teams: z.array(TeamSchema) }), "Teams") },
});

const get = createRoute({
  ...signedIn,
  method: "get",
  path: "/{id}",
  summary: "One of your teams",
  request: { params: TeamIdParam },
  responses: { 200: jsonContent(TeamSchema, "The team"), ...notMember },
});

const rename = createRoute({
  ...signedIn,
  method: "patch",
  path: "/{id}",
  summary: "Renames a team (owners, admins, teachers)",
  request: { params: TeamIdParam, body: jsonBody(RenameTeamBody) },
  responses: {
    200: jsonContent(TeamSchema, "Renamed"),
    400: problemContent("Invalid name"),
    403: problemContent("Your role does not allow it"),
    ...notMember,
  },
});

const remove = createRoute({
  ...signedIn,
  method: "delete",
  path: "/{id}",
  summary: "Deletes a team with its members, invitations, patterns and keys (owners)",
  request: { params: TeamIdParam },
  responses: {
    204: { description: "Deleted" },
    403: problemContent("Only an owner deletes a team"),
    ...notMember,
  },
});

export const teamRoutes = createRouter()
  .openapi(create, async (c) => {
    const { name, kind } = c.req.valid("json");
    const id = crypto.randomUUID();
    const team = await createTeam(c.get("db"), {
      id,
      userId: c.get("userId"),
      name,
      kind,
      ...requestMeta(c),
    });
    if (!team) throw teamProblems.teamLimit("Leave a team you no longer use first.");
    c.header("Location", `/api/teams/${id}`);
    return c.json(toTeamDto(team), 201);
  })
  .openapi(list, async (c) => {
    const teams = await listTeams(c.get("db"), c.get("userId"));
    return c.json({ teams: teams.map(toTeamDto) }, 200);
  })
  .openapi(get, async (c) => {
    const team = await findTeam(c.get("db"), c.req.valid("param").id, c.get("userId"));
    if (!team) throw teamProblems.teamNotFound("No team of yours has this id.");
    return c.json(toTeamDto(team), 200);
  })
  .openapi(rename, async (c) => {
    const renamed = await renameTeam(c.get("db"), {
      teamId: c.req.valid("param").id,
      userId: c.get("userId"),
      name: c.req.valid("json").name,
      ...requestMeta(c),
    });
    return c.json(toTeamDto(orRefuse(renamed)), 200);
  })
  .openapi(remove, async (c) => {
    const deleted = await deleteTeam(c.get("db"), {
      teamId: c.req.valid("param").id,
      userId: c.get("userId"),
      ...requestMeta(c),
    });
    orRefuse(deleted);
    return c.body(null, 204);
  })
  .route("/", mounted(memberRoutes))
  .route("/", mounted(teamInvitationRoutes));
