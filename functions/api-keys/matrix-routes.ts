import type { ApiKeyScope } from "../../shared/auth/api-key-scopes";

/** One request of an access matrix's cell. */
export type MatrixRequest = { method: string; path: string; json?: unknown };

/** A route that accepts API keys, the scope it needs, its success status, and its request for a cell. */
export type MatrixRoute = {
  name: string;
  scope: ApiKeyScope;
  ok: number;
  request: (cell: string) => MatrixRequest;
};

/** What a cell's request works on, so that no two cells write the same row. */
export interface MatrixFixtures {
  /** The pattern the cell reads, replaces, patches and deletes. */
  patternFor: (cell: string) => string | undefined;
  /** The lesson id the cell creates (`new`), replaces (`put`) or deletes (`delete`). */
  lessonFor: (cell: string, use: "new" | "put" | "delete") => string;
}

export const matrixLesson = (id: string) => ({
  id,
  title: "Matrix",
  category: "rhythm",
  difficulty: "beginner",
});
export const matrixPattern = { name: "Matrix", tempo: 90, tracks: [] };

/** Every route personal API keys may call (functions/index.ts `apiKeys.user`), for the access matrices. */
export function personalKeyRoutes({ patternFor, lessonFor }: MatrixFixtures): MatrixRoute[] {
  return [
    {
      name: "GET /api/patterns",
      scope: "patterns:read",
      ok: 200,
      request: () => ({ method: "GET", path: "/api/patterns" }),
    },
    {
      name: "GET /api/patterns/:id",
      scope: "patterns:read",
      ok: 200,
      request: (s) => ({ method: "GET", path: `/api/patterns/${patternFor(s)}` }),
    },
    {
      name: "POST /api/patterns",
      scope: "patterns:write",
      ok: 201,
      request: () => ({ method: "POST", path: "/api/patterns", json: matrixPattern }),
    },
    {
      name: "POST /api/patterns/sync",
      scope: "patterns:write",
      ok: 200,
      request: () => ({ method: "POST", path: "/api/patterns/sync", json: { changes: [] } }),
    },
    {
      name: "PUT /api/patterns/:id",
      scope: "patterns:write",
      ok: 200,
      request: (s) => ({ method: "PUT", path: `/api/patterns/${patternFor(s)}`, json: matrixPattern }),
    },
    {
      name: "PATCH /api/patterns/:id",
      scope: "patterns:write",
      ok: 200,
      request: (s) => ({ method: "PATCH", path: `/api/patterns/${patternFor(s)}`, json: { tempo: 91 } }),
    },
    {
      name: "DELETE /api/patterns/:id",
      scope: "patterns:write",
      ok: 204,
      request: (s) => ({ method: "DELETE", path: `/api/patterns/${patternFor(s)}` }),
    },
    {
      name: "GET /api/progress",
      scope: "progress:read",
      ok: 200,
      request: () => ({ method: "GET", path: "/api/progress" }),
    },
    {
      name: "GET /api/progress/:lessonId",
      scope: "progress:read",
      ok: 200,
      request: () => ({ method: "GET", path: "/api/progress/counting-beats" }),
    },
    {
      name: "POST /api/progress",
      scope: "progress:write",
      ok: 200,
      request: () => ({
        method: "POST",
        path: "/api/progress",
        json: { lessonId: "counting-beats", score: 3 },
      }),
    },
    {
      name: "POST /api/progress/sync",
      scope: "progress:write",
      ok: 200,
      request: () => ({
        method: "POST",
        path: "/api/progress/sync",
        json: { attempts: [{ lessonId: "counting-beats", score: 4 }] },
      }),
    },
    {
      name: "GET /api/lessons",
      scope: "lessons:read",
      ok: 200,
      request: () => ({ method: "GET", path: "/api/lessons" }),
    },
    {
      name: "GET /api/lessons/:id",
      scope: "lessons:read",
      ok: 200,
      request: () => ({ method: "GET", path: "/api/lessons/counting-beats" }),
    },
    {
      name: "POST /api/lessons",
      scope: "lessons:write",
      ok: 201,
      request: (s) => ({ method: "POST", path: "/api/lessons", json: matrixLesson(lessonFor(s, "new")) }),
    },
    {
      name: "PUT /api/lessons/:id",
      scope: "lessons:write",
      ok: 200,
      request: (s) => {
        const { id, ...rest } = matrixLesson(lessonFor(s, "put"));
        return { method: "PUT", path: `/api/lessons/${id}`, json: rest };
      },
    },
    {
      name: "DELETE /api/lessons/:id",
      scope: "lessons:write",
      ok: 204,
      request: (s) => ({ method: "DELETE", path: `/api/lessons/${lessonFor(s, "delete")}` }),
    },
  ];
}
