import type { Role } from "../../db/enums";

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

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** The scope a request needs, or undefined when the route never accepts API keys. */
export type ApiKeyRoutes = (method: string, path: string) => ApiKeyScope | undefined;

/**
 * A lookup of the routes API keys may call, from `"METHOD /path/:param"` entries: a `:name`
 * segment matches any one segment, a trailing slash is ignored. Every other route refuses keys.
 */
export function apiKeyRoutes(table: Record<`${Method} /${string}`, ApiKeyScope>): ApiKeyRoutes {
  const rules = Object.entries(table).map(([route, scope]) => {
    const [method, path] = route.split(" ") as [string, string];
    return { method, segments: path.split("/"), scope: scope as ApiKeyScope };
  });
  // Literal segments first, so `POST /patterns/sync` wins over a `POST /patterns/:id`.
  rules.sort((a, b) => wildcards(a.segments) - wildcards(b.segments));
  return function scopeFor(method, path) {
    const segments = path.replace(/(.)\/$/, "$1").split("/");
    const rule = rules.find(
      (r) =>
        r.method === method &&
        r.segments.length === segments.length &&
        r.segments.every((s, i) => s.startsWith(":") || s === segments[i]),
    );
    return rule?.scope;
  };
}

function wildcards(segments: string[]): number {
  return segments.filter((s) => s.startsWith(":")).length;
}
