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
import type { StoredPattern, StubDb, StubUser, StubWorld } from "./world";

/** A pattern as the API shows it (shared/patterns/pattern-dto.ts toPatternDto). */
export function toPatternDto(s: StoredPattern): ServerPattern {
  const { changeSeq: _c, ...dto } = s;
  return dto;
}

type PatternContent = Pick<ServerPattern, "name" | "tempo" | "isPublic" | "tracks" | "mixer">;

function lenientObject(input: unknown): Record<string, unknown> {
  return typeof input === "object" && input !== null && !Array.isArray(input)
    ? (input as Record<string, unknown>)
    : {};
}

function nextSeq(db: StubDb, userId: string): number {
  db.seq[userId] = (db.seq[userId] ?? 0) + 1;
  return db.seq[userId];
}

/** One change of a sync batch: its result, as the server words it. */
function applyChange(db: StubDb, user: StubUser, raw: unknown) {
  const parsed = PatternChangeSchema.safeParse(raw);
  const id = typeof lenientObject(raw).id === "string" ? (lenientObject(raw).id as string) : "";
  if (!parsed.success) return { id, status: "rejected" as const, ...rejectedChange(parsed.error.issues) };
  const change = parsed.data as PatternChange;
  const now = new Date().toISOString();
  const live = db.patterns[change.id];
  const mine = live && live.userId === user.id && live.deletedAt === null ? live : undefined;
  if (change.op === "delete") {
    if (mine && (change.baseVersion === undefined || mine.version === change.baseVersion)) {
      Object.assign(mine, {
        deletedAt: now,
        updatedAt: now,
        version: mine.version + 1,
        changeSeq: nextSeq(db, user.id),
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
      (x) => x.userId === user.id && x.deletedAt === null,
    ).length;
    if (user.tier !== "premium" && count >= FREE_PATTERN_LIMIT)
      return {
        id: change.id,
        status: "rejected" as const,
        reason: `premium required: free accounts keep ${FREE_PATTERN_LIMIT} patterns`,
      };
    const created: StoredPattern = {
      id: change.id,
      ...content,
      version: 1,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
      userId: user.id,
      changeSeq: nextSeq(db, user.id),
    };
    db.patterns[change.id] = created;
    return { id: change.id, status: "applied" as const, pattern: toPatternDto(created) };
  }
  if (mine && mine.version === (change.baseVersion ?? 0)) {
    Object.assign(mine, content, {
      version: mine.version + 1,
      updatedAt: now,
      changeSeq: nextSeq(db, user.id),
    });
    return { id: change.id, status: "applied" as const, pattern: toPatternDto(mine) };
  }
  if (live.userId !== user.id)
    return { id: change.id, status: "rejected" as const, reason: "this id is used by another pattern" };
  if (mine && sameContent(mine, content))
    return { id: change.id, status: "applied" as const, pattern: toPatternDto(mine) };
  return { id: change.id, status: "conflict" as const, pattern: toPatternDto(mine ?? live) };
}

/** POST /api/patterns/sync and GET /api/patterns/{id}. */
export function stubPatterns(world: StubWorld): Pick<Backend, "syncPatterns" | "getPattern"> {
  return {
    async getPattern(id) {
      const instance = `/api/patterns/${encodeURIComponent(id)}`;
      validate(PatternIdParam, { id }, instance, "param");
      const db = await world.read();
      const viewer = world.maybeViewer(db, instance);
      const pattern = db.patterns[id];
      const visible =
        pattern && pattern.deletedAt === null && (pattern.isPublic || pattern.userId === viewer?.id);
      if (!visible) throw p.notFound("No pattern with this id is visible to you.", instance);
      return toPatternDto(pattern);
    },
    syncPatterns(body) {
      const instance = "/api/patterns/sync";
      return world.tx((db) => {
        const user = world.viewer(db, instance);
        const input = validate(SyncPatternsBody, body, instance);
        const results = input.changes.map((change) => applyChange(db, user, change));
        const since = Number(input.since);
        const changes = Object.values(db.patterns)
          .filter((x) => x.userId === user.id && x.changeSeq > since)
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
