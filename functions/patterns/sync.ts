import { createRoute, z } from "@hono/zod-openapi";
import { FREE_PATTERN_LIMIT, TEAM_PATTERN_LIMIT } from "../../db/entitlements";
import {
  createPatternStatement,
  listPatterns,
  listTeamPatternsStatement,
  lockPatternOwnerStatement,
  type PatternScope,
  readCreate,
  readTeamPage,
  readUpdate,
  updatePatternStatement,
} from "../../db/queries/patterns";
import type { Pattern } from "../../db/schema/patterns";
import { createRouter } from "../../shared/app";
import { requireAuth } from "../../shared/middleware/auth";
import { problemContent } from "../../shared/openapi";
import { PatternSchema, toPatternDto } from "../../shared/patterns/pattern-dto";
import { sameContent } from "../../shared/patterns/same-content";
import { rejectedChange } from "../../shared/schemas/field-errors";
import { PatternChangeSchema, PutPatternBody, SyncPatternsBody } from "../../shared/schemas/patterns";
import { actingTeam, teamNotFound } from "./team-scope";

const ResultSchema = z
  .object({
    id: z.string(),
    status: z.enum(["applied", "conflict", "rejected"]),
    pattern: PatternSchema.optional().openapi({
      description: "applied: the saved pattern; conflict: the server copy",
    }),
    reason: z.string().optional().openapi({ description: "Why, in a few plain words" }),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: "rejected as invalid: each field at fault, as a 400 problem lists them" }),
  })
  .openapi("SyncResult");

const SyncResponse = z
  .object({ results: z.array(ResultSchema), changes: z.array(PatternSchema), cursor: z.string() })
  .openapi("SyncResponse");

const sync = createRoute({
  method: "post",
  path: "/sync",
  tags: ["Patterns"],
  summary: "Applies a batch of offline edits and returns the server's changes since the cursor",
  description:
    "Up to 100 changes, applied in one database round trip. Each gets a result: applied, conflict (with the server copy) or rejected (with a reason, and for an invalid change its field errors). The response also carries every change after `since`, tombstones included, and the new cursor. Without `teamId` it syncs your personal patterns; with it that team's, with the team's own cursor (members edit; only a pattern's author or a team manager changes an existing one). A request made with a team's API key syncs that team's.",
  security: [{ bearer: [] }],
  middleware: requireAuth(),
  request: { body: { content: { "application/json": { schema: SyncPatternsBody } }, required: true } },
  responses: {
    200: {
      description: "Results and server changes",
      content: { "application/json": { schema: SyncResponse } },
    },
    400: problemContent("Invalid request"),
    401: problemContent("Not signed in"),
    404: problemContent("No team of yours has this id"),
  },
});

type Result = z.infer<typeof ResultSchema>;

/** Why a create was refused for a limit: the free tier's for personal patterns, the team's cap for a team's. */
function quotaReason(teamId: string | undefined): string {
  return teamId === undefined
    ? `premium required: free accounts keep ${FREE_PATTERN_LIMIT} patterns`
    : `the team keeps at most ${TEAM_PATTERN_LIMIT} patterns`;
}

/** Whether an existing pattern is one this sync works on: the caller's personal one, or the team's. */
function inScope(pattern: Pattern, userId: string, teamId: string | undefined): boolean {
  return teamId === undefined
    ? pattern.teamId === null && pattern.userId === userId
    : pattern.teamId === teamId;
}

const NOT_AUTHOR = "only its author or a manager of the team may change it";

export const patternSyncRoutes = createRouter().openapi(sync, async (c) => {
  const { since, changes, teamId: requested } = c.req.valid("json");
  const teamId = actingTeam(c, requested);
  const scope: PatternScope = teamId === undefined ? "personal" : { teamId };
  const db = c.get("db");
  const userId = c.get("userId");
  const results: (Result | undefined)[] = [];
  const planned: {
    index: number;
    change: z.infer<typeof PatternChangeSchema>;
    input?: z.infer<typeof PutPatternBody>;
  }[] = [];

  for (const [index, raw] of changes.entries()) {
    const change = PatternChangeSchema.safeParse(raw);
    if (!change.success) {
      const id = typeof (raw as { id?: unknown })?.id === "string" ? (raw as { id: string }).id : "";
      results[index] = { id, status: "rejected", ...rejectedChange(change.error.issues) };
      continue;
    }
    if (change.data.op === "delete") {
      planned.push({ index, change: change.data });
      continue;
    }
    const input = PutPatternBody.safeParse(change.data.pattern);
    if (!input.success) {
      results[index] = {
        id: change.data.id,
        status: "rejected",
        ...rejectedChange(input.error.issues, "pattern"),
      };
      continue;
    }
    planned.push({ index, change: change.data, input: input.data });
  }

  // Every valid change is one or two statements; all of them and the read of server changes
  // travel in one db.batch: one round trip, one transaction, applied in order.
  const statements = planned.flatMap(({ change, input }) =>
    change.op === "delete"
      ? [
          updatePatternStatement(db, {
            id: change.id,
            userId,
            ifVersion: change.baseVersion,
            changes: {},
            remove: true,
            scope,
          }),
        ]
      : [
          createPatternStatement(db, {
            id: change.id,
            userId,
            teamId,
            ...(input as NonNullable<typeof input>),
          }),
          updatePatternStatement(db, {
            id: change.id,
            userId,
            ifVersion: change.baseVersion ?? 0,
            changes: input as NonNullable<typeof input>,
            scope,
          }),
        ],
  );
  const afterSeq = Number(since);
  // A team's listing also answers whether the caller is a member; every write checks it too,
  // so a non-member's batch changes nothing and is answered 404.
  const listing =
    teamId === undefined
      ? listPatterns(db, { userId, afterSeq, limit: 1000, withDeleted: true })
      : listTeamPatternsStatement(db, { teamId, userId, afterSeq, limit: 1000, withDeleted: true });
  // The owner's (or team's) lock goes first so the creates count patterns after concurrent ones commit.
  const batchResults =
    statements.length > 0
      ? await db.batch([
          lockPatternOwnerStatement(db, { userId, teamId }),
          ...statements,
          listing,
        ] as unknown as [typeof listing])
      : [await listing];
  const listed = batchResults[batchResults.length - 1];
  let serverChanges: Pattern[];
  if (teamId === undefined) serverChanges = listed as Pattern[];
  else {
    const page = readTeamPage(listed as never);
    if (!page.member) throw teamNotFound();
    serverChanges = page.patterns;
  }

  let cursorIndex = statements.length > 0 ? 1 : 0;
  for (const { index, change, input } of planned) {
    if (change.op === "delete") {
      const { updated, current, denied } = readUpdate(batchResults[cursorIndex++] as never);
      results[index] = updated
        ? { id: change.id, status: "applied", pattern: toPatternDto(updated) }
        : denied
          ? { id: change.id, status: "rejected", reason: NOT_AUTHOR }
          : current
            ? { id: change.id, status: "conflict", pattern: toPatternDto(current) }
            : { id: change.id, status: "applied", reason: "already deleted or never synced" };
      continue;
    }
    const created = readCreate(batchResults[cursorIndex++] as never);
    const { updated, current, denied } = readUpdate(batchResults[cursorIndex++] as never);
    if (created.outcome === "created")
      results[index] = { id: change.id, status: "applied", pattern: toPatternDto(created.pattern) };
    else if (updated) results[index] = { id: change.id, status: "applied", pattern: toPatternDto(updated) };
    else if (created.outcome !== "exists")
      results[index] = { id: change.id, status: "rejected", reason: quotaReason(teamId) };
    else if (!inScope(created.pattern, userId, teamId))
      results[index] = { id: change.id, status: "rejected", reason: "this id is used by another pattern" };
    else if (denied) results[index] = { id: change.id, status: "rejected", reason: NOT_AUTHOR };
    else if (current && sameContent(current, input as NonNullable<typeof input>))
      results[index] = { id: change.id, status: "applied", pattern: toPatternDto(current) };
    else
      results[index] = {
        id: change.id,
        status: "conflict",
        pattern: toPatternDto(current ?? created.pattern),
      };
  }

  const last = serverChanges[serverChanges.length - 1];
  return c.json(
    {
      results: results as Result[],
      changes: serverChanges.map(toPatternDto),
      cursor: String(last?.changeSeq ?? since),
    },
    200,
  );
});
