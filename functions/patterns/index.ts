import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { FREE_PATTERN_LIMIT, TEAM_PATTERN_LIMIT } from "../../db/entitlements";
import {
  createPattern,
  findVisiblePattern,
  listPatternPage,
  listTeamPatternPage,
  updatePattern,
} from "../../db/queries/patterns";
import { createRouter, mounted } from "../../shared/app";
import type { AppEnv } from "../../shared/env";
import { problems, validationError } from "../../shared/errors";
import { assertLiveSession, requireAuth, type SignedInEnv } from "../../shared/middleware/auth";
import { jsonBody, jsonContent, problemContent } from "../../shared/openapi";
import { PatternSchema, toPatternDto } from "../../shared/patterns/pattern-dto";
import { sameContent } from "../../shared/patterns/same-content";
import {
  CreatePatternBody,
  IfMatchHeader,
  ListPatternsQuery,
  PatchPatternBody,
  PatternIdParam,
  PutPatternBody,
} from "../../shared/schemas/patterns";
import { patternProblems } from "./problems";
import { etagOf, parseIfMatch } from "./schemas";
import { patternSyncRoutes } from "./sync";
import { actingTeam, scopeById, teamNotFound, teamRoleRequired } from "./team-scope";

const signedIn = { security: [{ bearer: [] }], middleware: requireAuth(), tags: ["Patterns"] };
const PageSchema = z.object({
  items: z.array(PatternSchema),
  nextCursor: z
    .string()
    .nullable()
    .openapi({ description: "Pass as `cursor` (or `since`) for the next page; null at the end." }),
});

const list = createRoute({
  ...signedIn,
  method: "get",
  path: "/",
  summary: "Lists your patterns, or with `since` every change (tombstones included) after a sync cursor",
  description:
    "Without `teamId` your personal patterns only; with it that team's (its own cursor). A request made with a team's API key lists that team's.",
  request: {
    query: ListPatternsQuery,
  },
  responses: {
    200: jsonContent(PageSchema, "Patterns in change order"),
    401: problemContent("Not signed in"),
    404: problemContent("No team of yours has this id"),
  },
});

const create = createRoute({
  ...signedIn,
  method: "post",
  path: "/",
  summary: "Creates a pattern; repeating it with the same id and body is idempotent",
  description: `With \`teamId\` the pattern belongs to that team (any member may create; you are its author). Personal patterns count toward the free tier's ${FREE_PATTERN_LIMIT}; a team keeps at most ${TEAM_PATTERN_LIMIT}, whatever its members' tiers.`,
  request: { body: jsonBody(CreatePatternBody) },
  responses: {
    201: jsonContent(PatternSchema, "Created"),
    200: jsonContent(PatternSchema, "Already created by an identical earlier request"),
    400: problemContent("Invalid pattern"),
    403: problemContent(`Free accounts keep at most ${FREE_PATTERN_LIMIT} personal patterns`),
    404: problemContent("No team of yours has this id"),
    409: problemContent(`The id is used by another pattern, or the team has ${TEAM_PATTERN_LIMIT} patterns`),
  },
});

const get = createRoute({
  method: "get",
  path: "/{id}",
  tags: ["Patterns"],
  summary: "A pattern: yours, one of a team you belong to, or anyone's public one",
  request: { params: PatternIdParam },
  responses: {
    200: jsonContent(PatternSchema, "The pattern"),
    404: problemContent("No such pattern visible to you"),
  },
});

const put = createRoute({
  ...signedIn,
  method: "put",
  path: "/{id}",
  summary: "Replaces a pattern",
  request: { params: PatternIdParam, headers: IfMatchHeader, body: jsonBody(PutPatternBody) },
  responses: {
    200: jsonContent(PatternSchema, "Saved; ETag is the new version"),
    403: problemContent("A team's pattern: only its author or a team manager writes it"),
    404: problemContent("No such pattern of yours or of a team you belong to"),
    412: problemContent("Stale If-Match; `current` holds the pattern as it is"),
  },
});

const patch = createRoute({
  ...signedIn,
  method: "patch",
  path: "/{id}",
  summary: "Changes some fields of a pattern",
  request: { params: PatternIdParam, headers: IfMatchHeader, body: jsonBody(PatchPatternBody) },
  responses: {
    200: jsonContent(PatternSchema, "Saved; ETag is the new version"),
    403: problemContent("A team's pattern: only its author or a team manager writes it"),
    404: problemContent("No such pattern of yours or of a team you belong to"),
    412: problemContent("Stale If-Match; `current` holds the pattern as it is"),
  },
});

const remove = createRoute({
  ...signedIn,
  method: "delete",
  path: "/{id}",
  summary: "Deletes a pattern (a tombstone other devices sync)",
  request: { params: PatternIdParam, headers: IfMatchHeader },
  responses: {
    204: { description: "Deleted" },
    403: problemContent("A team's pattern: only its author or a team manager deletes it"),
    404: problemContent("No such pattern of yours or of a team you belong to"),
  },
});

function ifMatch<E extends AppEnv>(c: Context<E>): number | undefined {
  const version = parseIfMatch(c.req.header("If-Match"));
  if (version === "invalid")
    throw validationError([{ path: "If-Match", message: "must be a pattern version or its ETag" }]);
  return version;
}

/**
 * Writes, then maps the outcome: 404 when the user may not see the live pattern, 403 when a
 * team member may see it but not write it, 412 on a stale version.
 */
async function write<E extends SignedInEnv>(
  c: Context<E>,
  id: string,
  changes: Parameters<typeof updatePattern>[1]["changes"],
  remove = false,
) {
  const { updated, current, denied } = await updatePattern(c.get("db"), {
    id,
    userId: c.get("userId"),
    ifVersion: ifMatch(c),
    changes,
    remove,
    scope: scopeById(c),
  });
  if (updated) return updated;
  if (!current) throw problems.notFound("No pattern of yours has this id.");
  if (denied) throw teamRoleRequired();
  throw patternProblems.versionMismatch({
    detail: `You sent If-Match for a version that is no longer current (now ${current.version}).`,
    headers: { ETag: etagOf(current) },
    extensions: { current: toPatternDto(current) },
  });
}

/** A page of the team's patterns; 404 when the caller is not a member (same as an unknown team). */
async function teamPage<E extends SignedInEnv>(
  c: Context<E>,
  teamId: string,
  page: { userId: string; afterSeq: number; limit: number; withDeleted: boolean },
) {
  const { member, patterns } = await listTeamPatternPage(c.get("db"), { teamId, ...page });
  if (!member) throw teamNotFound();
  return patterns;
}

export const patternRoutes = createRouter()
  .openapi(list, async (c) => {
    const { limit, cursor, since, teamId: requested } = c.req.valid("query");
    const teamId = actingTeam(c, requested);
    const afterSeq = Number(since ?? cursor ?? 0);
    const page = { userId: c.get("userId"), afterSeq, limit, withDeleted: since !== undefined };
    const rows =
      teamId === undefined ? await listPatternPage(c.get("db"), page) : await teamPage(c, teamId, page);
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    // For delta sync the cursor always moves to the last change seen, even at the end.
    const nextCursor =
      since !== undefined
        ? String(last?.changeSeq ?? afterSeq)
        : rows.length > limit && last
          ? String(last.changeSeq)
          : null;
    return c.json({ items: items.map(toPatternDto), nextCursor }, 200);
  })
  .openapi(create, async (c) => {
    const { id = crypto.randomUUID(), teamId: requested, ...input } = c.req.valid("json");
    const teamId = actingTeam(c, requested);
    const premium = c.get("auth")?.tier === "premium";
    const result = await createPattern(
      c.get("db"),
      { id, userId: c.get("userId"), teamId, ...input },
      premium,
    );
    if (result.outcome === "no-team") throw teamNotFound();
    if (result.outcome === "quota" && teamId !== undefined) {
      throw patternProblems.teamPatternLimit({
        detail: `A team keeps up to ${TEAM_PATTERN_LIMIT} patterns. Delete some of the team's patterns first.`,
        extensions: { limit: TEAM_PATTERN_LIMIT },
      });
    }
    if (result.outcome === "quota") {
      throw problems.premiumRequired({
        detail: `Free accounts keep up to ${FREE_PATTERN_LIMIT} patterns. Upgrade to premium for unlimited patterns, or delete some.`,
        extensions: { limit: FREE_PATTERN_LIMIT, upgrade: "/api/billing/plans" },
      });
    }
    const pattern = result.pattern;
    c.header("ETag", etagOf(pattern));
    c.header("Location", `/api/patterns/${pattern.id}`);
    if (result.outcome === "created") return c.json(toPatternDto(pattern), 201);
    const mine =
      pattern.userId === c.get("userId") &&
      pattern.teamId === (teamId ?? null) &&
      pattern.deletedAt === null &&
      pattern.version === 1;
    if (!mine || !sameContent(pattern, input)) throw patternProblems.idInUse();
    return c.json(toPatternDto(pattern), 200);
  })
  .openapi(get, async (c) => {
    const auth = c.get("auth") ? await assertLiveSession(c) : undefined;
    const pattern = await findVisiblePattern(
      c.get("db"),
      c.req.valid("param").id,
      auth?.sub,
      c.get("keyTeamId"),
    );
    if (!pattern) throw problems.notFound("No pattern with this id is visible to you.");
    c.header("ETag", etagOf(pattern));
    c.header("Cache-Control", "private, no-cache");
    return c.json(toPatternDto(pattern), 200);
  })
  .openapi(put, async (c) => {
    const pattern = await write(c, c.req.valid("param").id, c.req.valid("json"));
    c.header("ETag", etagOf(pattern));
    return c.json(toPatternDto(pattern), 200);
  })
  .openapi(patch, async (c) => {
    const pattern = await write(c, c.req.valid("param").id, c.req.valid("json"));
    c.header("ETag", etagOf(pattern));
    return c.json(toPatternDto(pattern), 200);
  })
  .openapi(remove, async (c) => {
    await write(c, c.req.valid("param").id, {}, true);
    return c.body(null, 204);
  })
  .route("/", mounted(patternSyncRoutes));
