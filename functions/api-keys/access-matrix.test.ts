import { beforeAll, describe, expect, it } from "vitest";
import { grantAdmin } from "../../db/queries/admin";
import { API_KEY_SCOPES, type ApiKeyScope } from "../../shared/auth/api-key-scopes";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import { bearer, refreshedAccessToken, signUp } from "../../test/support/accounts";
import { fileEnv, send } from "../../test/support/harness";
import { matrixLesson as lesson, matrixPattern as pattern, personalKeyRoutes } from "./matrix-routes";
import { type CreatedKey, createKey, keyAuth } from "./test-keys";

/**
 * The API key access matrix: every scope against every route that accepts keys, cell by cell
 * (the route's own scope passes, every other is 403 insufficient-scope naming it), and a key
 * holding every scope against routes that never accept keys (403 api-key-not-accepted).
 */
const bindings = fileEnv("api_key_matrix");

const keys = new Map<ApiKeyScope, CreatedKey>();
let allScopes: CreatedKey;
/** Per scope, a pattern of the admin's that only the cell with that scope writes to. */
const patternFor = new Map<string, string>();
/** Per scope, lessons that only the cell with that scope replaces and deletes. */
const lessonFor = (scope: string, use: string) => `matrix-${use}-${scope.replace(":", "-")}`;

const routes = personalKeyRoutes({ patternFor: (s) => patternFor.get(s), lessonFor });

const cells = routes.flatMap((route) =>
  API_KEY_SCOPES.map((scope) => ({
    ...route,
    scope,
    needed: route.scope,
    expected: scope === route.scope ? route.ok : 403,
  })),
);

beforeAll(async () => {
  const admin = await signUp(bindings);
  await grantAdmin(createDb(loadConfig(bindings)), admin.email);
  const token = await refreshedAccessToken(bindings, admin);
  const asAdmin = (method: string, path: string, json?: unknown) =>
    send(bindings, path, { method, headers: bearer(token), ...(json !== undefined && { json }) });
  await asAdmin("POST", "/api/progress", { lessonId: "counting-beats", score: 1 });
  for (const scope of API_KEY_SCOPES) {
    keys.set(scope, await createKey(bindings, token, { scopes: [scope] }));
    const created = await asAdmin("POST", "/api/patterns", pattern);
    patternFor.set(scope, ((await created.json()) as { id: string }).id);
    for (const use of ["put", "delete"]) await asAdmin("POST", "/api/lessons", lesson(lessonFor(scope, use)));
  }
  allScopes = await createKey(bindings, token, { scopes: [...API_KEY_SCOPES] });
});

describe("API key access matrix: scope × route", () => {
  it.each(cells)("$name with $scope → $expected", async (cell) => {
    const { method, path, json } = cell.request(cell.scope);
    const key = keys.get(cell.scope) as CreatedKey;
    const res = await send(bindings, path, {
      method,
      headers: keyAuth(key),
      ...(json !== undefined && { json }),
    });
    expect(res.status).toBe(cell.expected);
    if (cell.expected === 403) {
      const body = (await res.json()) as { type: string; requiredScope: string };
      expect(body).toMatchObject({
        type: "https://backline.dev/problems/insufficient-scope",
        requiredScope: cell.needed,
      });
    }
  });
});

describe("routes that never accept API keys, even one holding every scope", () => {
  it.each([
    ["GET", "/api/me"],
    ["PATCH", "/api/me"],
    ["GET", "/api/auth/sessions"],
    ["POST", "/api/auth/signout-all"],
    ["GET", "/api/billing/subscription"],
    ["POST", "/api/billing/checkout"],
    ["GET", "/api/admin/users"],
    ["GET", "/api/admin/audit-logs"],
    ["GET", "/api/shares"],
    ["POST", "/api/shares"],
    ["GET", "/api/api-keys"],
    ["POST", "/api/api-keys"],
  ])("%s %s → 403 api-key-not-accepted", async (method, path) => {
    const body = method === "GET" ? {} : { json: {} };
    const res = await send(bindings, path, { method, headers: keyAuth(allScopes), ...body });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { type: string }).type).toBe(
      "https://backline.dev/problems/api-key-not-accepted",
    );
  });
});
