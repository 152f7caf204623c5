import { createRoute, z } from "@hono/zod-openapi";
import { TEAM_MANAGER_ROLES, TEAM_ROLES_BY_KIND, type TeamKind, type TeamRole } from "../../db/enums";
import { API_KEY_ROTATION_GRACE_SECONDS } from "../../db/queries/api-keys";
import {
  createTeamApiKey,
  listTeamApiKeys,
  MAX_LIVE_TEAM_API_KEYS,
  revokeTeamApiKey,
  rotateTeamApiKey,
  type TeamStanding,
} from "../../db/queries/team-api-keys";
import { createRouter } from "../../shared/app";
import { newApiKeyId } from "../../shared/auth/api-key-format";
import { teamKeyCreators, teamScopesAbove } from "../../shared/auth/api-key-scopes";
import { requestMeta } from "../../shared/client-ip";
import { problems } from "../../shared/errors";
import { requireAuth } from "../../shared/middleware/auth";
import { jsonBody, jsonContent, problemContent } from "../../shared/openapi";
import { newSecret, previousSecretValidUntil, toTeamDto } from "./dto";
import { apiKeyRouteProblems } from "./problems";
import {
  CreateTeamApiKeyBody,
  RotatedTeamApiKeySchema,
  TeamApiKeyParams,
  TeamApiKeySchema,
  TeamApiKeyWithSecretSchema,
  TeamIdParam,
} from "./schemas";

// A team's keys are managed with a signed-in session by the team's managers; no API key
// reaches these routes (they are in neither key route table, functions/index.ts).
const managers = { security: [{ bearer: [] }], middleware: requireAuth(), tags: ["Teams", "API keys"] };
const notFound = problemContent("No team of yours has this id (or no live key of the team has this key id)");
const roleRequired = problemContent("Your role in the team does not manage it");

const create = createRoute({
  ...managers,
  method: "post",
  path: "/{id}/api-keys",
  summary: "Creates an API key that acts for the team; the secret is in this answer only",
  request: { params: TeamIdParam, body: jsonBody(CreateTeamApiKeyBody) },
  responses: {
    201: jsonContent(TeamApiKeyWithSecretSchema, "Created"),
    400: problemContent("Invalid name, scopes or expiry"),
    403: problemContent("Your role does not manage the team, or a scope is above it"),
    404: notFound,
    409: problemContent(`The team holds ${MAX_LIVE_TEAM_API_KEYS} live keys`),
  },
});

const list = createRoute({
  ...managers,
  method: "get",
  path: "/{id}/api-keys",
  summary: "The team's API keys, newest first (never their secrets)",
  request: { params: TeamIdParam },
  responses: {
    200: jsonContent(z.object({ keys: z.array(TeamApiKeySchema) }), "Keys"),
    403: roleRequired,
    404: notFound,
  },
});

const revoke = createRoute({
  ...managers,
  method: "delete",
  path: "/{id}/api-keys/{keyId}",
  summary: "Revokes one of the team's API keys: it stops working at once",
  request: { params: TeamApiKeyParams },
  responses: { 204: { description: "Revoked" }, 403: roleRequired, 404: notFound },
});

const rotate = createRoute({
  ...managers,
  method: "post",
  path: "/{id}/api-keys/{keyId}/rotate",
  summary: `Gives one of the team's API keys a new secret; the old one keeps working for ${API_KEY_ROTATION_GRACE_SECONDS / 3600} hours`,
  request: { params: TeamApiKeyParams },
  responses: {
    200: jsonContent(RotatedTeamApiKeySchema, "The new secret, shown once"),
    403: roleRequired,
    404: notFound,
  },
});

/** The roles that manage a team of this kind, strongest first (owner or admin; owner or teacher). */
function managerRolesOf(kind: TeamKind): TeamRole[] {
  return TEAM_ROLES_BY_KIND[kind].filter((r) => (TEAM_MANAGER_ROLES as readonly TeamRole[]).includes(r));
}

/** 404 for a non-member (as for a team that does not exist), 403 naming the roles for a member who does not manage it. */
function assertManager(
  standing: TeamStanding | undefined,
): asserts standing is TeamStanding & { role: TeamRole } {
  if (!standing?.role) throw apiKeyRouteProblems.teamNotFound("No team of yours has this id.");
  if (!(TEAM_MANAGER_ROLES as readonly TeamRole[]).includes(standing.role)) {
    throw apiKeyRouteProblems.teamRoleRequired(
      `Managing this ${standing.kind}'s API keys needs the ${managerRolesOf(standing.kind).join(" or ")} role.`,
    );
  }
}

const noSuchKey = () => problems.notFound("No live API key of this team has this id.");

/** Mounted at /api/teams: a team's API keys, for its managers. */
export const teamApiKeyRoutes = createRouter()
  .openapi(create, async (c) => {
    const { id: teamId } = c.req.valid("param");
    const { name, scopes, expiresAt } = c.req.valid("json");
    const id = newApiKeyId();
    const { secret, secretHash, lastFour, prefix } = await newSecret(c, id);
    const { standing, key } = await createTeamApiKey(c.get("db"), {
      id,
      teamId,
      userId: c.get("userId"),
      name,
      scopes,
      creators: teamKeyCreators(scopes),
      secretHash,
      prefix,
      lastFour,
      expiresAt: expiresAt ? new Date(expiresAt) : null,
      ...requestMeta(c),
    });
    assertManager(standing);
    if (!key) {
      const above = teamScopesAbove(scopes, standing.kind, standing.role);
      if (above.length > 0) {
        const errors = above.map((r) => ({ path: `scopes.${r.index}`, message: r.message }));
        throw apiKeyRouteProblems.scopeNotAllowed({
          detail: errors.map((e) => e.message).join("; "),
          extensions: { errors },
        });
      }
      throw apiKeyRouteProblems.tooManyTeamKeys(
        `A team holds at most ${MAX_LIVE_TEAM_API_KEYS} live keys: revoke one it no longer uses first.`,
      );
    }
    c.header("Location", `/api/teams/${teamId}/api-keys/${id}`);
    c.header("Cache-Control", "no-store");
    return c.json({ ...toTeamDto(key, teamId), secret }, 201);
  })
  .openapi(list, async (c) => {
    const { id: teamId } = c.req.valid("param");
    const { standing, keys } = await listTeamApiKeys(c.get("db"), { teamId, userId: c.get("userId") });
    assertManager(standing);
    return c.json({ keys: keys.map((k) => toTeamDto(k, teamId)) }, 200);
  })
  .openapi(revoke, async (c) => {
    const { id: teamId, keyId } = c.req.valid("param");
    const { standing, revoked } = await revokeTeamApiKey(c.get("db"), {
      teamId,
      keyId,
      userId: c.get("userId"),
      ...requestMeta(c),
    });
    assertManager(standing);
    if (!revoked) throw noSuchKey();
    return c.body(null, 204);
  })
  .openapi(rotate, async (c) => {
    const { id: teamId, keyId } = c.req.valid("param");
    const { secret, secretHash, lastFour } = await newSecret(c, keyId);
    const { standing, key } = await rotateTeamApiKey(c.get("db"), {
      teamId,
      keyId,
      userId: c.get("userId"),
      secretHash,
      lastFour,
      ...requestMeta(c),
    });
    assertManager(standing);
    if (!key) throw noSuchKey();
    const validUntil = previousSecretValidUntil(key.rotatedAt, API_KEY_ROTATION_GRACE_SECONDS);
    c.header("Cache-Control", "no-store");
    return c.json({ ...toTeamDto(key, teamId), secret, previousSecretValidUntil: validUntil }, 200);
  });
