/** Stub pattern sync (functions/patterns/sync.ts): offline edits applied in order, changes since a cursor. */
import { FREE_PATTERN_LIMIT } from "../../../db/entitlements";
import { sameContent } from "../../../shared/patterns/same-content";
import { rejectedChange } from "../../../shared/schemas/field-errors";
import {
  PatternChangeSchema,
  PatternIdParam,
  PutPatternBody,
  SyncPatternsBody,
} from "../../../shared/schemas/patterns";
import type { Backend, PatternChange, ServerPattern } from "../backend";
import { stubProblems as p, validate } from "./problems";
import { isManager, memberTeam, roleOf, type StubTeam, type WithTeams } from "./teams-store";
import type { StoredPattern, StubUser, StubWorld } from "./world";

/** A pattern of a team has its `teamId`; its `userId` is its author. */
type ScopedPattern = StoredPattern;

/** As the server: a team keeps at most this many live patterns. */
const TEAM_PATTERN_LIMIT = 1000;

/** A pattern as the API shows it (shared/patterns/pattern-dto.ts toPatternDto), with its team and author. */
export function toPatternDto(s: ScopedPattern): ServerPattern {
  const { changeSeq: _c, teamId = null, ...dto } = s;
  return { ...dto, teamId, authorId: s.userId } as ServerPattern;
}

/** Whose patterns a sync acts on: the user's own, or a team's (with the caller's role in it). */
type SyncScope = { team: StubTeam; role: NonNullable<ReturnType<typeof roleOf>> } | undefined;

/** Whether a pattern belongs to the scope (personal: the user's, outside any team). */
function inScope(x: ScopedPattern, user: StubUser, scope: SyncScope): boolean {
  return scope ? x.teamId === scope.team.id : x.userId === user.id && !x.teamId;
}

type PatternContent = Pick<ServerPattern, "name" | "tempo" | "isPublic" | "tracks" | "mixer">;

function lenientObject(input: unknown): Record<string, unknown> {
  return typeof input === "object" && input !== null && !Array.isArray(input)
    ? (input as Record<string, unknown>)
    : {};
}

/** The scope's next change sequence number: the user's, or the team's (teams.pattern_seq). */
function nextSeq(db: WithTeams, userId: string, scope: SyncScope): number {
  if (scope) {
    scope.team.patternSeq += 1;
    return scope.team.patternSeq;
  }
  db.seq[userId] = (db.seq[userId] ?? 0) + 1;
  return db.seq[userId];
}

/** One change of a sync batch: its result, as the server words it. */
function applyChange(db: WithTeams, user: StubUser, raw: unknown, scope: SyncScope) {
  const parsed = PatternChangeSchema.safeParse(raw);
  const id = typeof lenientObject(raw).id === "string" ? (lenientObject(raw).id as string) : "";
  if (!parsed.success) return { id, status: "rejected" as const, ...rejectedChange(parsed.error.issues) };
  const change = parsed.data as PatternChange;
  const now = new Date().toISOString();
  const live: ScopedPattern | undefined = db.patterns[change.id];
  const visible = live && inScope(live, user, scope) && live.deletedAt === null ? live : undefined;
  // A team's pattern is written by the team's managers and its author; other members read it.
  if (visible && scope && !isManager(scope.role) && visible.userId !== user.id)
    return {
      id: change.id,
      status: "rejected" as const,
      reason: "team-role-required: only the team's managers or the author change this pattern",
    };
  const mine = visible;
  if (change.op === "delete") {
    if (mine && (change.baseVersion === undefined || mine.version === change.baseVersion)) {
      Object.assign(mine, {
        deletedAt: now,
        updatedAt: now,
        version: mine.version + 1,
        changeSeq: nextSeq(db, user.id, scope),
      });
      return { id: change.id, status: "applied" as const, pattern: toPatternDto(mine) };
    }
    if (mine) return { id: change.id, status: "conflict" as const, pattern: toPatternDto(mine) };
    return { id: change.id, status: "applied" as const, reason: "already deleted or never synced" };
  }
  const input = PutPatternBody.safeParse(change.pattern);
  if (!input.success)
    return { id: change.id, status: "rejected" as const, ...rejectedChange(input.error.issues, "pattern") };
  const content: PatternContent = input.data;
  if (!live) {
    const count = Object.values(db.patterns).filter(
      (x: ScopedPattern) => inScope(x, user, scope) && x.deletedAt === null,
    ).length;
    if (scope && count >= TEAM_PATTERN_LIMIT)
      return {
        id: change.id,
        status: "rejected" as const,
        reason: `team pattern limit: a team keeps ${TEAM_PATTERN_LIMIT} patterns`,
      };
    if (!scope && user.tier !== "premium" && count >= FREE_PATTERN_LIMIT)
      return {
        id: change.id,
        status: "rejected" as const,
        reason: `premium required: free accounts keep ${FREE_PATTERN_LIMIT} patterns`,
      };
    const created: ScopedPattern = {
      id: change.id,
      ...content,
      version: 1,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
      userId: user.id,
      teamId: scope?.team.id ?? null,
      changeSeq: nextSeq(db, user.id, scope),
    };
    db.patterns[change.id] = created;
    return { id: change.id, status: "applied" as const, pattern: toPatternDto(created) };
  }
  if (mine && mine.version === (change.baseVersion ?? 0)) {
    Object.assign(mine, content, {
      version: mine.version + 1,
      updatedAt: now,
      changeSeq: nextSeq(db, user.id, scope),
    });
    return { id: change.id, status: "applied" as const, pattern: toPatternDto(mine) };
  }
  if (!inScope(live, user, scope))
    return { id: change.id, status: "rejected" as const, reason: "this id is used by another pattern" };
  if (mine && sameContent(mine, content))
    return { id: change.id, status: "applied" as const, pattern: toPatternDto(mine) };
  return { id: change.id, status: "conflict" as const, pattern: toPatternDto(mine ?? live) };
}

/** The team a sync names, if the user is a member (else the 404 for an unknown team). */
function teamScope(db: WithTeams, user: StubUser, teamId: unknown, instance: string): SyncScope {
  const id = typeof teamId === "string" ? teamId : "";
  return memberTeam(db, id, user, instance);
}

/** POST /api/patterns/sync (`teamId`: a team's patterns) and GET /api/patterns/{id}. */
export function stubPatterns(world: StubWorld): Pick<Backend, "syncPatterns" | "getPattern"> {
  return {
    async getPattern(id) {
      const instance = `/api/patterns/${encodeURIComponent(id)}`;
      validate(PatternIdParam, { id }, instance, "param");
      const db = await world.read();
      const viewer = world.maybeViewer(db, instance);
      const pattern: ScopedPattern | undefined = db.patterns[id];
      const teamId = pattern?.teamId;
      const readable = teamId
        ? viewer !== undefined && roleOf(db, teamId, viewer.id) !== undefined
        : pattern?.userId === viewer?.id;
      const visible = pattern && pattern.deletedAt === null && (pattern.isPublic || readable);
      if (!visible) throw p.notFound("No pattern with this id is visible to you.", instance);
      return toPatternDto(pattern);
    },
    syncPatterns(body) {
      const instance = "/api/patterns/sync";
      return world.tx((db: WithTeams) => {
        const user = world.viewer(db, instance);
        const { teamId, ...rest } = lenientObject(body);
        const scope = teamId === undefined ? undefined : teamScope(db, user, teamId, instance);
        const input = validate(SyncPatternsBody, rest, instance);
        const results = input.changes.map((change) => applyChange(db, user, change, scope));
        const since = Number(input.since);
        const changes = Object.values(db.patterns)
          .filter((x: ScopedPattern) => inScope(x, user, scope) && x.changeSeq > since)
          .sort((a, b) => a.changeSeq - b.changeSeq)
          .slice(0, 1001);
        const last = changes[changes.length - 1];
        return {
          results,
          changes: changes.map(toPatternDto),
          cursor: String(last?.changeSeq ?? input.since),
        };
      });
    },
  };
}
