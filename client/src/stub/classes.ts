/**
 * Stub classes (functions/classes): a class's lessons (the teacher's pick, in order), a lesson
 * opened through the class (premium when an owner of the class is premium), the teacher's table
 * of students × lessons (paged; a student gets only their own row) and the per-lesson summary
 * with a 10-bucket histogram of best scores.
 */
import { fromApiError, validationProblem } from "../errors";
import type {
  ClassLesson,
  ClassLessonProgress,
  ClassStudentProgress,
  ScoreBucket,
  TeamBackend,
} from "../teams-types";
import type { Lesson, Progress } from "../types";
import { lessonsOf } from "./lessons";
import { stubProblems as p } from "./problems";
import {
  isManager,
  managerWords,
  membersOf,
  memberTeam,
  ownerIsPremium,
  page,
  roleRequired,
  teamProblems,
  teamTables,
  type WithTeams,
} from "./teams-store";
import type { StoredLesson, StubUser, StubWorld } from "./world";

const MAX_CLASS_LESSONS = 200;

/** The class and the caller's role; a team of kind `team` is the 409 `not-a-class`. */
function classOf(db: WithTeams, id: string, user: StubUser, instance: string) {
  const found = memberTeam(db, id, user, instance);
  if (found.team.kind !== "class")
    throw fromApiError(teamProblems.notAClass("Lessons and progress are for classes."), instance);
  return found;
}

/** The class's published lessons, in the teacher's order. */
function classLessons(db: WithTeams, id: string): StoredLesson[] {
  const lessons = lessonsOf(db);
  return (teamTables(db).classLessons[id] ?? []).flatMap((lessonId) => {
    const lesson = lessons[lessonId];
    return lesson && lesson.publishedAt !== null ? [lesson] : [];
  });
}

const toClassLesson = (l: StoredLesson, position: number): ClassLesson => ({
  id: l.id,
  title: l.title,
  category: l.category,
  difficulty: l.difficulty,
  isPremium: l.isPremium,
  position,
});

function checkLessonIds(db: WithTeams, lessonIds: unknown, instance: string): string[] {
  if (!Array.isArray(lessonIds))
    throw validationProblem([{ path: "lessonIds", message: "must be a list of lesson ids" }], instance);
  if (lessonIds.length > MAX_CLASS_LESSONS)
    throw validationProblem(
      [{ path: "lessonIds", message: `must list at most ${MAX_CLASS_LESSONS} lessons` }],
      instance,
    );
  const lessons = lessonsOf(db);
  const seen = new Set<string>();
  const errors = lessonIds.flatMap((id, i) => {
    const path = `lessonIds.${i}`;
    if (typeof id !== "string" || !lessons[id] || lessons[id].publishedAt === null)
      return [{ path, message: "is not a published lesson" }];
    if (seen.has(id)) return [{ path, message: "is listed twice" }];
    seen.add(id);
    return [];
  });
  if (errors.length > 0) throw validationProblem(errors, instance);
  return lessonIds as string[];
}

/** The class's students (role `student`) with their display names. */
function studentsOf(db: WithTeams, id: string): { userId: string; displayName: string }[] {
  return membersOf(db, id)
    .filter(([, m]) => m.role === "student")
    .map(([userId]) => ({ userId, displayName: db.users[userId]?.displayName ?? "" }));
}

function progressRow(
  db: WithTeams,
  student: { userId: string; displayName: string },
  lessons: StoredLesson[],
) {
  const mine: Record<string, Progress> = db.progress[student.userId] ?? {};
  const progress: Record<string, ClassLessonProgress> = {};
  for (const lesson of lessons) {
    const p = mine[lesson.id];
    if (p)
      progress[lesson.id] = {
        completed: p.completed,
        bestScore: p.bestScore,
        attempts: p.attempts,
        completedAt: p.completedAt,
      };
  }
  return { ...student, progress } satisfies ClassStudentProgress;
}

/** 10 buckets of best scores: 0–9, 10–19 … 90–100. */
function histogram(scores: number[]): ScoreBucket[] {
  const buckets = Array.from({ length: 10 }, (_, i) => ({
    from: i * 10,
    to: i === 9 ? 100 : i * 10 + 9,
    count: 0,
  }));
  for (const score of scores) {
    const bucket = buckets[Math.min(9, Math.max(0, Math.floor(score / 10)))];
    if (bucket) bucket.count += 1;
  }
  return buckets;
}

type ClassCalls =
  | "listClassLessons"
  | "setClassLessons"
  | "getClassLesson"
  | "classProgress"
  | "classProgressSummary";

export function stubClasses(world: StubWorld): Pick<TeamBackend, ClassCalls> {
  return {
    listClassLessons(id) {
      const instance = `/api/teams/${id}/lessons`;
      // A transaction: the curriculum is seeded on first use.
      return world.tx((db: WithTeams) => {
        classOf(db, id, world.viewer(db, instance), instance);
        return classLessons(db, id).map(toClassLesson);
      });
    },
    setClassLessons(id, lessonIds) {
      const instance = `/api/teams/${id}/lessons`;
      return world.tx((db: WithTeams) => {
        const { team, role } = classOf(db, id, world.viewer(db, instance), instance);
        if (!isManager(role)) throw roleRequired(managerWords(team.kind), instance);
        teamTables(db).classLessons[id] = checkLessonIds(db, lessonIds, instance);
        return classLessons(db, id).map(toClassLesson);
      });
    },
    getClassLesson(id, lessonId): Promise<Lesson> {
      const instance = `/api/teams/${id}/lessons/${lessonId}`;
      return world.tx((db: WithTeams) => {
        const user = world.viewer(db, instance);
        classOf(db, id, user, instance);
        const lesson = classLessons(db, id).find((l) => l.id === lessonId);
        if (!lesson) throw p.notFound("No lesson of this class has this id.", instance);
        // The README's rule: a class's lessons are open to its members when an owner of the class is premium.
        const ownerPremium = ownerIsPremium(db, id);
        if (lesson.isPremium && !ownerPremium && user.tier !== "premium" && user.role !== "admin")
          throw p.premiumRequired(
            "This lesson is for premium members: the class's owner or you need a premium plan.",
            instance,
          );
        const { publishedAt, ...rest } = lesson;
        return { ...rest, published: true, publishedAt };
      });
    },
    classProgress(id, query) {
      const instance = `/api/teams/${id}/progress`;
      return world.tx((db: WithTeams) => {
        const user = world.viewer(db, instance);
        const { role } = classOf(db, id, user, instance);
        const lessons = classLessons(db, id);
        const visible = studentsOf(db, id).filter((s) => isManager(role) || s.userId === user.id);
        const found = page(visible, (s) => `${s.displayName}\u0000${s.userId}`, query, instance);
        return {
          lessons: lessons.map((l) => ({ id: l.id, title: l.title })),
          students: found.items.map((s) => progressRow(db, s, lessons)),
          nextCursor: found.nextCursor,
        };
      });
    },
    classProgressSummary(id) {
      const instance = `/api/teams/${id}/progress/summary`;
      return world.tx((db: WithTeams) => {
        const { team, role } = classOf(db, id, world.viewer(db, instance), instance);
        if (!isManager(role)) throw roleRequired(managerWords(team.kind), instance);
        const students = studentsOf(db, id);
        return {
          lessons: classLessons(db, id).map((lesson) => {
            const tried = students.flatMap((s) => {
              const p = db.progress[s.userId]?.[lesson.id];
              return p && p.attempts > 0 ? [p] : [];
            });
            return {
              lessonId: lesson.id,
              title: lesson.title,
              students: students.length,
              attempted: tried.length,
              completed: tried.filter((p) => p.completed).length,
              bestScores: histogram(tried.map((p) => p.bestScore)),
            };
          }),
        };
      });
    },
  };
}
