import {
  type Role,
  TEAM_MANAGER_ROLES,
  TEAM_ROLES_BY_KIND,
  type TeamKind,
  type TeamRole,
} from "../../db/enums";

/**
 * API key scopes and the routes that accept keys. Imports only db/enums (no drizzle), so the
 * SDK can re-export the scope lists as they are.
 */

/** What an API key may be allowed to do; each route that accepts keys needs exactly one. */
export const API_KEY_SCOPES = [
  "patterns:read",
  "patterns:write",
  "progress:read",
  "progress:write",
  "lessons:read",
  "lessons:write",
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Scopes that need a role of their owner, at creation and at every use (today's rule for writing lessons). */
export const SCOPE_ROLES: Partial<Record<ApiKeyScope, Role>> = { "lessons:write": "admin" };

/** What a team's API key may be allowed to do: the team's patterns, and a class's progress. */
export const TEAM_API_KEY_SCOPES = [
  "patterns:read",
  "patterns:write",
  "progress:read",
] as const satisfies readonly ApiKeyScope[];
export type TeamApiKeyScope = (typeof TEAM_API_KEY_SCOPES)[number];

const TEAM_KIND_ROLES: Record<TeamKind, readonly TeamRole[]> = TEAM_ROLES_BY_KIND;

/**
 * Who in a team holds the right each team scope stands for, by kind of team: every member
 * reads and writes the team's patterns (writing others' is the pattern routes' rule, checked
 * against the key's creator); only a class's owner and teachers see its students' progress,
 * and a `team` has no progress to see.
 */
export const TEAM_SCOPE_ROLES: Record<TeamApiKeyScope, Partial<Record<TeamKind, readonly TeamRole[]>>> = {
  "patterns:read": TEAM_KIND_ROLES,
  "patterns:write": TEAM_KIND_ROLES,
  "progress:read": { class: ["owner", "teacher"] },
};

/** A scope the creator may not give a team key, with the reason; for `scopes.N` field errors. */
export interface TeamScopeRefusal {
  index: number;
  scope: TeamApiKeyScope;
  message: string;
}

/** The scopes above what `role` may do in a team of `kind`: a key never has more rights than its creator. */
export function teamScopesAbove(
  scopes: readonly TeamApiKeyScope[],
  kind: TeamKind,
  role: TeamRole,
): TeamScopeRefusal[] {
  return scopes.flatMap((scope, index) => {
    const roles = TEAM_SCOPE_ROLES[scope][kind];
    if (roles?.includes(role)) return [];
    const message = roles
      ? `${scope} needs the ${roles.join(" or ")} role in this ${kind}`
      : `${scope} is not available to a ${kind}`;
    return [{ index, scope, message }];
  });
}

/**
 * The (kind, role) pairs whose holders may make a team key with these scopes: managers
 * (TEAM_MANAGER_ROLES) whose role grants every scope in that kind. The insert checks the
 * creator against them in its own statement.
 */
export function teamKeyCreators(scopes: readonly TeamApiKeyScope[]): [TeamKind, TeamRole][] {
  return Object.entries(TEAM_KIND_ROLES).flatMap(([kind, roles]) =>
    roles
      .filter((role) => (TEAM_MANAGER_ROLES as readonly TeamRole[]).includes(role))
      .filter((role) => teamScopesAbove(scopes, kind as TeamKind, role).length === 0)
      .map((role): [TeamKind, TeamRole] => [kind as TeamKind, role]),
  );
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** A route that accepts keys: the scope it needs and, when its path names a team (`:teamId`), that team. */
export interface ApiKeyRoute {
  scope: ApiKeyScope;
  teamId?: string;
}

/** The route a request calls, or undefined when the route never accepts API keys of that kind. */
export type ApiKeyRoutes = (method: string, path: string) => ApiKeyRoute | undefined;

/** The routes personal keys and team keys may call: each kind its own table. */
export interface ApiKeyRouteTables {
  user: ApiKeyRoutes;
  team: ApiKeyRoutes;
}

/**
 * A lookup of the routes API keys may call, from `"METHOD /path/:param"` entries: a `:name`
 * segment matches any one segment (`:teamId` is also read out), a trailing slash is ignored.
 * Every other route refuses keys.
 */
export function apiKeyRoutes(table: Record<`${Method} /${string}`, ApiKeyScope>): ApiKeyRoutes {
  const rules = Object.entries(table).map(([route, scope]) => {
    const [method, path] = route.split(" ") as [string, string];
    return { method, segments: path.split("/"), scope: scope as ApiKeyScope };
  });
  // Literal segments first, so `POST /patterns/sync` wins over a `POST /patterns/:id`.
  rules.sort((a, b) => wildcards(a.segments) - wildcards(b.segments));
  return function routeFor(method, path) {
    const segments = path.replace(/(.)\/$/, "$1").split("/");
    const rule = rules.find(
      (r) =>
        r.method === method &&
        r.segments.length === segments.length &&
        r.segments.every((s, i) => s.startsWith(":") || s === segments[i]),
    );
    if (!rule) return undefined;
    const teamAt = rule.segments.indexOf(":teamId");
    return teamAt < 0 ? { scope: rule.scope } : { scope: rule.scope, teamId: segments[teamAt] };
  };
}

function wildcards(segments: string[]): number {
  return segments.filter((s) => s.startsWith(":")).length;
}
