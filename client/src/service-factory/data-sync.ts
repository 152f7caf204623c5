/** IDataSyncService over the SDK's offline-first patterns and progress. */
import type { DataSyncService, PatternInput } from "../types";
import { expectArg, expectOptionalArg } from "./args";
import { toPattern, toProgress } from "./convert";
import type { IDataSyncService, PatternToSave, ProgressToSave } from "./types";

/** The fields of a pattern the API stores; id, owner and dates are the server's (or the SDK's). */
function patternInput(pattern: PatternToSave): PatternInput {
  const method = "dataSyncService.savePattern";
  expectArg(method, "pattern", pattern, "object");
  expectOptionalArg(method, "pattern.id", pattern.id, "string");
  expectArg(method, "pattern.name", pattern.name, "string");
  expectArg(method, "pattern.tempo", pattern.tempo, "number");
  if (!Array.isArray(pattern.tracks))
    throw new TypeError(`${method}: pattern.tracks must be an array, got ${typeof pattern.tracks}`);
  expectOptionalArg(method, "pattern.mixer", pattern.mixer, "object");
  expectOptionalArg(method, "pattern.isPublic", pattern.isPublic, "boolean");
  return {
    ...(pattern.id !== undefined && { id: pattern.id }),
    name: pattern.name,
    tempo: pattern.tempo,
    tracks: pattern.tracks,
    ...(pattern.mixer !== undefined && { mixer: pattern.mixer }),
    ...(pattern.isPublic !== undefined && { isPublic: pattern.isPublic }),
  };
}

function attemptInput(progress: ProgressToSave) {
  const method = "dataSyncService.saveProgress";
  expectArg(method, "progress", progress, "object");
  expectArg(method, "progress.lessonId", progress.lessonId, "string");
  expectArg(method, "progress.score", progress.score, "number");
  expectOptionalArg(method, "progress.completed", progress.completed, "boolean");
  return {
    lessonId: progress.lessonId,
    score: progress.score,
    ...(progress.completed !== undefined && { completed: progress.completed }),
  };
}

/**
 * `userId`: the signed-in user's id; the progress of the device is theirs, and so are the
 * device's patterns that do not name their owner (copies kept by an older SDK).
 */
export function adaptDataSync(sync: DataSyncService, userId: () => string | null): IDataSyncService {
  return {
    syncPatterns: () => sync.syncPatterns(),
    async savePattern(pattern) {
      return toPattern(await sync.savePattern(patternInput(pattern)), userId());
    },
    async loadPatterns() {
      const owner = userId();
      return (await sync.loadPatterns()).map((p) => toPattern(p, owner));
    },
    async deletePattern(patternId) {
      expectArg("dataSyncService.deletePattern", "patternId", patternId, "string");
      await sync.deletePattern(patternId);
    },
    async syncProgress() {
      // The API answers a progress sync with the whole list, not a delta.
      const { uploaded, progress } = await sync.syncProgress();
      return { uploaded, downloaded: progress.length };
    },
    async saveProgress(progress) {
      return toProgress(await sync.saveProgress(attemptInput(progress)), userId());
    },
    async loadProgress() {
      const owner = userId();
      return (await sync.loadProgress()).map((p) => toProgress(p, owner));
    },
  };
}
