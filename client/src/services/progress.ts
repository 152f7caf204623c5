/**
 * Lesson progress: recorded on the server when it can be, else queued on the device (with a
 * local estimate) and sent in one POST /api/progress/sync by the next `syncProgress`.
 */
import { AttemptBody } from "../../../shared/schemas/progress";
import type { AttemptInput, Backend } from "../backend";
import { isNetworkError, randomId, validationProblem } from "../errors";
import type { JsonStore } from "../storage";
import type { Progress, ProgressAttempt, ProgressSyncSummary } from "../types";
import { asJson, parse } from "../validate";
import type { AuthCore } from "./auth";

interface ProgressStore {
  progress: Record<string, Progress>;
  queue: AttemptInput[];
}

const emptyStore = (): ProgressStore => ({ progress: {}, queue: [] });
const byLesson = (list: Progress[]) => [...list].sort((a, b) => (a.lessonId < b.lessonId ? -1 : 1));

/** What the server would make of one more attempt (db/queries/progress.ts recordProgressStatement). */
function estimate(before: Progress | undefined, a: AttemptInput): Progress {
  const now = new Date().toISOString();
  return {
    lessonId: a.lessonId,
    completed: (before?.completed ?? false) || a.completed,
    score: a.score,
    bestScore: Math.max(before?.bestScore ?? a.score, a.score),
    attempts: (before?.attempts ?? 0) + 1,
    completedAt: before?.completedAt ?? (a.completed ? now : null),
    updatedAt: now,
  };
}

export function createProgressSync(backend: Backend, auth: AuthCore, store: JsonStore) {
  const keyOf = (owner = auth.userId()) => `progress:${owner ?? "anonymous"}`;
  let running: Promise<unknown> = Promise.resolve();

  async function replaceAll(key: string, list: Progress[]): Promise<void> {
    await store.update(key, emptyStore, (s) => {
      s.progress = Object.fromEntries(list.map((p) => [p.lessonId, p]));
      for (const queued of s.queue)
        s.progress[queued.lessonId] = estimate(s.progress[queued.lessonId], queued);
    });
  }

  function syncProgress(): Promise<ProgressSyncSummary> {
    const run = running.then(async () => {
      const key = keyOf();
      if (!auth.userId()) {
        const local = await store.read(key, emptyStore);
        return { uploaded: 0, progress: byLesson(Object.values(local.progress)) };
      }
      let uploaded = 0;
      let list: Progress[] | undefined;
      for (;;) {
        const batch = (await store.read(key, emptyStore)).queue.slice(0, 100);
        if (batch.length === 0) break;
        const res = await backend.syncProgress(batch);
        uploaded += res.results.filter((r) => r.status === "applied").length;
        list = res.progress;
        await store.update(key, emptyStore, (s) => void s.queue.splice(0, batch.length));
      }
      list ??= await backend.listProgress();
      await replaceAll(key, list);
      return { uploaded, progress: byLesson(list) };
    });
    running = run.catch(() => undefined);
    return run;
  }

  /** Moves attempts made signed out to the account's queue. */
  async function adopt(userId: string): Promise<void> {
    const anonymous = await store.read(keyOf(undefined), emptyStore);
    if (anonymous.queue.length === 0) return;
    await store.update(keyOf(userId), emptyStore, (s) => void s.queue.push(...anonymous.queue));
    await store.remove(keyOf(undefined));
  }
  auth.beforeSignIn((user) => adopt(user.id));

  return {
    syncProgress,
    /** Drops an account's copies on this device (the account was deleted). */
    forget: (userId: string) => store.remove(keyOf(userId)),

    async trySync(): Promise<void> {
      if (auth.userId()) await syncProgress().catch(() => undefined);
    },

    async saveProgress(attempt: ProgressAttempt): Promise<Progress> {
      const parsed = parse(AttemptBody, asJson(attempt));
      if (!parsed.ok) throw validationProblem(parsed.errors, "/api/progress");
      // One id per attempt, kept when the attempt is queued: if the answer to the first send is
      // lost, the queued copy is recognised by the server and counted once.
      const input = { ...parsed.value, attemptId: parsed.value.attemptId ?? randomId() };
      const key = keyOf();
      if (auth.userId()) {
        try {
          const progress = await backend.recordProgress(input);
          await store.update(key, emptyStore, (s) => {
            s.progress[progress.lessonId] = progress;
          });
          return progress;
        } catch (error) {
          if (!isNetworkError(error)) throw error;
        }
      }
      return store.update(key, emptyStore, (s) => {
        s.queue.push(input);
        const next = estimate(s.progress[input.lessonId], input);
        s.progress[input.lessonId] = next;
        return next;
      });
    },

    async loadProgress(): Promise<Progress[]> {
      if (auth.userId()) {
        try {
          return (await syncProgress()).progress;
        } catch (error) {
          if (!isNetworkError(error)) throw error;
        }
      }
      return byLesson(Object.values((await store.read(keyOf(), emptyStore)).progress));
    },
  };
}
