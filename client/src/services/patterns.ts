/**
 * Offline-first patterns. Every save lands in the device store first and always succeeds
 * there; signed in, the queue of unsent changes goes to POST /api/patterns/sync (one batch
 * per 100), which also returns what changed elsewhere since the saved cursor. Conflicts
 * resolve as "last save wins": the edit is re-sent on top of the server's version once.
 */
import { CreatePatternBody, PatternIdParam } from "../../../shared/schemas/patterns";
import type { Backend, PatternChange, ServerPattern } from "../backend";
import { randomId, validationProblem } from "../errors";
import type { JsonStore } from "../storage";
import { stubProblems } from "../stub/problems";
import type { Pattern, PatternInput, SyncSummary, TeamPatternSync } from "../types";
import { asJson, parse } from "../validate";
import type { AuthCore } from "./auth";

interface Queued {
  op: "upsert" | "delete";
  id: string;
  baseVersion?: number;
  /** Changes with every local edit, so a reply to an older send does not overwrite a newer edit. */
  rev: string;
}

interface PatternStore {
  patterns: Record<string, Pattern>;
  queue: Queued[];
  cursor: string;
}

const emptyStore = (): PatternStore => ({ patterns: {}, queue: [], cursor: "0" });
const BATCH = 100;
const MAX_ROUNDS = 20;

function fromServer(p: ServerPattern): Pattern {
  return { ...p, syncState: "synced" };
}

function contentOf(p: Pattern) {
  return { name: p.name, tempo: p.tempo, tracks: p.tracks, mixer: p.mixer, isPublic: p.isPublic };
}

/**
 * One offline-first store and its sync: the user's own patterns, or (with `teamId`) a team's,
 * kept apart on the device with the team's own cursor (POST /api/patterns/sync with `teamId`).
 */
function createScopedSync(backend: Backend, auth: AuthCore, store: JsonStore, teamId?: string) {
  const scope = teamId ? `:team:${teamId}` : "";
  const keyOf = (owner = auth.userId()) => `patterns:${owner ?? "anonymous"}${scope}`;
  let running: Promise<unknown> = Promise.resolve();

  /** One round trip: sends up to 100 queued changes, applies the results and the server's changes. */
  async function round(summary: SyncSummary): Promise<boolean> {
    const key = keyOf();
    const state = await store.read(key, emptyStore);
    const batch = state.queue.slice(0, BATCH);
    const changes: PatternChange[] = batch.flatMap((q): PatternChange[] => {
      const base = q.baseVersion ? { baseVersion: q.baseVersion } : {};
      if (q.op === "delete") return [{ op: "delete", id: q.id, ...base }];
      const local = state.patterns[q.id];
      return local ? [{ op: "upsert", id: q.id, ...base, pattern: contentOf(local) }] : [];
    });
    const res = await backend.syncPatterns({ since: state.cursor, changes, ...(teamId && { teamId }) });
    return store.update(key, emptyStore, (s) => {
      const mine = new Set<string>();
      for (const result of res.results) {
        const sent = batch.find((q) => q.id === result.id);
        const index = s.queue.findIndex((q) => q.id === result.id);
        const queued = s.queue[index];
        if (!sent || !queued) continue;
        const unchanged = queued.rev === sent.rev;
        const server = result.pattern;
        if (result.status === "rejected") {
          if (unchanged) s.queue.splice(index, 1);
          const local = s.patterns[result.id];
          if (local && unchanged)
            s.patterns[result.id] = { ...local, syncState: "rejected", syncError: result.reason };
          continue;
        }
        if (result.status === "conflict" && server) {
          // Last save wins: send the same edit again on top of the server's version.
          queued.baseVersion = server.version;
          const local = s.patterns[result.id];
          if (local) local.version = server.version;
          continue;
        }
        summary.uploaded++;
        mine.add(result.id);
        if (!unchanged) {
          if (server) queued.baseVersion = server.version;
          const local = s.patterns[result.id];
          if (local && server) local.version = server.version;
          continue;
        }
        s.queue.splice(index, 1);
        if (!server || server.deletedAt !== null) delete s.patterns[result.id];
        else s.patterns[result.id] = fromServer(server);
      }
      for (const server of res.changes) {
        if (s.queue.some((q) => q.id === server.id)) continue;
        if (!mine.has(server.id)) summary.downloaded++;
        if (server.deletedAt !== null) delete s.patterns[server.id];
        else s.patterns[server.id] = fromServer(server);
      }
      s.cursor = res.cursor;
      return s.queue.length > 0 || res.changes.length > 1000;
    });
  }

  /** Sends the queue and fetches remote changes; one sync at a time. */
  function syncPatterns(): Promise<SyncSummary> {
    const run = running.then(async () => {
      const summary = { uploaded: 0, downloaded: 0 };
      if (!auth.userId()) return summary;
      for (let i = 0; i < MAX_ROUNDS && (await round(summary)); i++);
      return summary;
    });
    running = run.catch(() => undefined);
    return run;
  }

  /** A sync whose failure leaves the queue for later (offline, server trouble). */
  async function trySync(): Promise<void> {
    if (auth.userId()) await syncPatterns().catch(() => undefined);
  }

  return {
    syncPatterns,
    trySync,
    keyOf,

    async savePattern(input: PatternInput): Promise<Pattern> {
      const parsed = parse(CreatePatternBody, asJson(input));
      if (!parsed.ok) throw validationProblem(parsed.errors, "/api/patterns");
      const { id = randomId(), ...content } = parsed.value;
      const key = keyOf();
      await store.update(key, emptyStore, (s) => {
        const before = s.patterns[id];
        const now = new Date().toISOString();
        s.patterns[id] = {
          id,
          userId: auth.userId() ?? null,
          ...(teamId && { teamId, authorId: auth.userId() ?? undefined }),
          ...content,
          version: before?.version ?? 0,
          createdAt: before?.createdAt ?? now,
          updatedAt: now,
          deletedAt: null,
          syncState: "pending",
        };
        const queued = s.queue.find((q) => q.id === id);
        if (queued) Object.assign(queued, { op: "upsert", rev: randomId() });
        else
          s.queue.push({
            op: "upsert",
            id,
            rev: randomId(),
            ...(before?.version ? { baseVersion: before.version } : {}),
          });
      });
      await trySync();
      return (await store.read(key, emptyStore)).patterns[id] as Pattern;
    },

    async loadPatterns(): Promise<Pattern[]> {
      await trySync();
      const { patterns } = await store.read(keyOf(), emptyStore);
      return Object.values(patterns).sort((a, b) =>
        a.updatedAt === b.updatedAt ? (a.id < b.id ? -1 : 1) : a.updatedAt < b.updatedAt ? 1 : -1,
      );
    },

    async deletePattern(id: string): Promise<void> {
      const instance = `/api/patterns/${id}`;
      const checked = parse(PatternIdParam, { id }, "param");
      if (!checked.ok) throw validationProblem(checked.errors, instance);
      await store.update(keyOf(), emptyStore, (s) => {
        const local = s.patterns[id];
        if (!local)
          throw stubProblems.notFound(
            `No pattern ${teamId ? "of this team" : "of yours"} has this id.`,
            instance,
          );
        delete s.patterns[id];
        const index = s.queue.findIndex((q) => q.id === id);
        const queued = s.queue[index];
        if (local.version === 0) {
          if (queued) s.queue.splice(index, 1);
          return;
        }
        const baseVersion = queued?.baseVersion ?? local.version;
        if (queued) Object.assign(queued, { op: "delete", baseVersion, rev: randomId() });
        else s.queue.push({ op: "delete", id, baseVersion, rev: randomId() });
      });
      await trySync();
    },
  };
}

/**
 * The user's patterns (`dataSync`) and, by `team(teamId)`, each team's: `savePattern` with a
 * `teamId` and `loadPatterns({ teamId })` go to that team's store.
 */
export function createPatternSync(backend: Backend, auth: AuthCore, store: JsonStore) {
  const personal = createScopedSync(backend, auth, store);
  const teams = new Map<string, ReturnType<typeof createScopedSync>>();

  const team = (teamId: string): TeamPatternSync => {
    let scoped = teams.get(teamId);
    if (!scoped) {
      scoped = createScopedSync(backend, auth, store, teamId);
      teams.set(teamId, scoped);
    }
    const { syncPatterns, savePattern, loadPatterns, deletePattern } = scoped;
    return { teamId, syncPatterns, savePattern, loadPatterns, deletePattern };
  };

  /** Moves what was made signed out into the account's store, to upload with the next sync. */
  async function adopt(userId: string): Promise<void> {
    const anonymous = await store.read(personal.keyOf(undefined), emptyStore);
    if (Object.keys(anonymous.patterns).length === 0) return;
    await store.update(personal.keyOf(userId), emptyStore, (s) => {
      for (const p of Object.values(anonymous.patterns)) {
        if (s.patterns[p.id]) continue;
        s.patterns[p.id] = { ...p, userId, version: 0, syncState: "pending" };
        s.queue.push({ op: "upsert", id: p.id, rev: randomId() });
      }
    });
    await store.remove(personal.keyOf(undefined));
  }
  auth.beforeSignIn((user) => adopt(user.id));

  return {
    syncPatterns: personal.syncPatterns,
    /** Sends what waits, the user's own and every team's opened on this page. */
    async trySync(): Promise<void> {
      await Promise.all([personal.trySync(), ...[...teams.values()].map((t) => t.trySync())]);
    },
    /** Drops an account's copies on this device (the account was deleted). */
    async forget(userId: string): Promise<void> {
      await Promise.all([personal, ...teams.values()].map((s) => store.remove(s.keyOf(userId))));
    },
    team,
    savePattern({ teamId, ...input }: PatternInput & { teamId?: string }): Promise<Pattern> {
      return teamId === undefined ? personal.savePattern(input) : team(teamId).savePattern(input);
    },
    loadPatterns(options: { teamId?: string } = {}): Promise<Pattern[]> {
      return options.teamId === undefined ? personal.loadPatterns() : team(options.teamId).loadPatterns();
    },
    deletePattern: personal.deletePattern,
  };
}
