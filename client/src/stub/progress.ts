/** Stub progress (functions/progress): attempts per lesson, counted once per attemptId. */
import { AttemptBody, SyncProgressBody } from "../../../shared/schemas/progress";
import type { Backend } from "../backend";
import type { Progress } from "../types";
import { lessonsOf } from "./lessons";
import { stubProblems as p, validate } from "./problems";
import { openedByAClass } from "./teams-store";
import type { StubDb, StubUser, StubWorld } from "./world";

type Attempt = { lessonId: string; score: number; completed: boolean; attemptId?: string };
type Outcome = { ok: true; progress: Progress } | { ok: false; status: 403 | 404 };

/** Records one attempt (db/queries/progress.ts recordProgressStatement): the progress, or why not. */
function recordAttempt(db: StubDb, user: StubUser, attempt: Attempt): Outcome {
  const lesson = lessonsOf(db)[attempt.lessonId];
  if (!lesson || lesson.publishedAt === null) return { ok: false, status: 404 };
  const opened = user.tier === "premium" || user.role === "admin" || openedByAClass(db, lesson.id, user.id);
  if (lesson.isPremium && !opened) return { ok: false, status: 403 };
  db.progress[user.id] ??= {};
  const mine = db.progress[user.id] as Record<string, Progress>;
  if (attempt.attemptId) {
    db.attempts ??= {};
    db.attempts[user.id] ??= [];
    const seen = db.attempts[user.id] as string[];
    const counted = mine[attempt.lessonId];
    if (seen.includes(attempt.attemptId) && counted) return { ok: true, progress: counted };
    seen.push(attempt.attemptId);
  }
  const now = new Date().toISOString();
  const before = mine[attempt.lessonId];
  const progress: Progress = before
    ? {
        ...before,
        completed: before.completed || attempt.completed,
        score: attempt.score,
        bestScore: Math.max(before.bestScore, attempt.score),
        attempts: before.attempts + 1,
        completedAt: before.completedAt ?? (attempt.completed ? now : null),
        updatedAt: now,
      }
    : {
        lessonId: attempt.lessonId,
        completed: attempt.completed,
        score: attempt.score,
        bestScore: attempt.score,
        attempts: 1,
        completedAt: attempt.completed ? now : null,
        updatedAt: now,
      };
  mine[attempt.lessonId] = progress;
  return { ok: true, progress };
}

const progressList = (db: StubDb, userId: string) =>
  Object.values(db.progress[userId] ?? {}).sort((a, b) => (a.lessonId < b.lessonId ? -1 : 1));

/** POST /api/progress, POST /api/progress/sync and GET /api/progress. */
export function stubProgress(
  world: StubWorld,
): Pick<Backend, "recordProgress" | "syncProgress" | "listProgress"> {
  return {
    recordProgress(attempt) {
      const instance = "/api/progress";
      return world.tx((db) => {
        const user = world.viewer(db, instance);
        const input = validate(AttemptBody, attempt, instance);
        const outcome = recordAttempt(db, user, input);
        if (outcome.ok) return outcome.progress;
        if (outcome.status === 403) throw p.premiumRequired("This lesson is for premium members.", instance);
        throw p.notFound("No published lesson with this id.", instance);
      });
    },
    syncProgress(attempts) {
      const instance = "/api/progress/sync";
      return world.tx((db) => {
        const user = world.viewer(db, instance);
        const input = validate(SyncProgressBody, { attempts }, instance);
        const results = input.attempts.map((a) => {
          const o = recordAttempt(db, user, a);
          return o.ok
            ? { lessonId: a.lessonId, status: "applied" as const, progress: o.progress }
            : {
                lessonId: a.lessonId,
                status: "rejected" as const,
                reason: o.status === 403 ? "premium required for this lesson" : "no such lesson",
              };
        });
        return { results, progress: progressList(db, user.id) };
      });
    },
    async listProgress() {
      const db = await world.read();
      return progressList(db, world.viewer(db, "/api/progress").id);
    },
  };
}
