import { beforeAll, describe, expect, it } from "vitest";
import { grantAdmin } from "../../db/queries/admin";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import {
  bearer,
  refreshedAccessToken,
  type SignedUp,
  signUp,
  uniqueEmail,
} from "../../test/support/accounts";
import { fileEnv, randomIp, send } from "../../test/support/harness";

const bindings = fileEnv("admin");
let admin: SignedUp & { adminToken: string };

/** An admin: signed up, granted with the bootstrap query, then refreshed so the token carries the role. */
async function makeAdmin() {
  const user = await signUp(bindings);
  expect(await grantAdmin(createDb(loadConfig(bindings)), user.email.toUpperCase())).toBe(user.userId);
  return { ...user, adminToken: await refreshedAccessToken(bindings, user) };
}

beforeAll(async () => {
  admin = await makeAdmin();
});

describe("admin: users", () => {
  it("searches by email with cursor pagination that never skips or repeats", async () => {
    const tag = `find${crypto.randomUUID().slice(0, 6)}`;
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await signUp(bindings, { email: uniqueEmail(tag) }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/api/admin/users?q=${tag}&limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const res = await send(bindings, q, { headers: bearer(admin.adminToken) });
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        users: { id: string; email: string }[];
        nextCursor: string | null;
      };
      expect(body.users.length).toBeLessThanOrEqual(2);
      seen.push(...body.users.map((u) => u.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual(made.map((u) => u.userId).sort());
  });

  it("rejects a forged cursor with 400", async () => {
    const res = await send(bindings, "/api/admin/users?cursor=bm9wZQ", { headers: bearer(admin.adminToken) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { path: string }[] }).errors[0]?.path).toBe("query.cursor");
  });

  it("disables an account: its sessions end at once and sign-in is refused; all audit-logged", async () => {
    const user = await signUp(bindings);
    const res = await send(bindings, `/api/admin/users/${user.userId}`, {
      method: "PATCH",
      headers: bearer(admin.adminToken),
      json: { disabled: true },
    });
    expect(res.status).toBe(204);
    expect((await send(bindings, "/api/me", { headers: bearer(user.accessToken) })).status).toBe(401);
    const signin = await send(bindings, "/api/auth/signin", {
      method: "POST",
      headers: { "CF-Connecting-IP": randomIp() },
      json: { email: user.email, password: user.password },
    });
    expect(signin.status).toBe(403);
    const logs = await send(
      bindings,
      `/api/admin/audit-logs?actor=${admin.userId}&action=admin.user_updated&target=${user.userId}`,
      {
        headers: bearer(admin.adminToken),
      },
    );
    const { entries } = (await logs.json()) as { entries: { action: string; metadata: unknown }[] };
    expect(entries).toHaveLength(1);
    expect(entries[0]?.metadata).toEqual({ disabled: true });
  });

  it("changes a role, which signs the user out everywhere: the next sign-in carries the new role", async () => {
    const user = await signUp(bindings);
    const res = await send(bindings, `/api/admin/users/${user.userId}`, {
      method: "PATCH",
      headers: bearer(admin.adminToken),
      json: { role: "teacher" },
    });
    expect(res.status).toBe(204);
    expect((await send(bindings, "/api/me", { headers: bearer(user.accessToken) })).status).toBe(401);
    const refresh = await send(bindings, "/api/auth/refresh", {
      method: "POST",
      json: { refreshToken: user.refreshToken },
    });
    expect(refresh.status).toBe(401);
    const signin = await send(bindings, "/api/auth/signin", {
      method: "POST",
      headers: { "CF-Connecting-IP": randomIp() },
      json: { email: user.email, password: user.password },
    });
    const { accessToken } = (await signin.json()) as { accessToken: string };
    const me = (await (await send(bindings, "/api/me", { headers: bearer(accessToken) })).json()) as {
      role: string;
    };
    expect(me.role).toBe("teacher");
  });

  // Regression: a role change left the user's sessions alive, so a demoted admin's access
  // token kept its admin claim (and admin rights) until it expired.
  it("demoting an admin ends their admin rights at once: the old token is refused on admin routes", async () => {
    const demoted = await makeAdmin();
    const before = await send(bindings, "/api/admin/users?limit=1", { headers: bearer(demoted.adminToken) });
    expect(before.status).toBe(200);
    const res = await send(bindings, `/api/admin/users/${demoted.userId}`, {
      method: "PATCH",
      headers: bearer(admin.adminToken),
      json: { role: "user" },
    });
    expect(res.status).toBe(204);
    const after = await send(bindings, "/api/admin/users?limit=1", { headers: bearer(demoted.adminToken) });
    expect(after.status).toBe(401);
  });

  it("a PATCH that sets the role a user already has leaves their sessions alone", async () => {
    const user = await signUp(bindings);
    const res = await send(bindings, `/api/admin/users/${user.userId}`, {
      method: "PATCH",
      headers: bearer(admin.adminToken),
      json: { role: "user" },
    });
    expect(res.status).toBe(204);
    expect((await send(bindings, "/api/me", { headers: bearer(user.accessToken) })).status).toBe(200);
  });

  it("revokes a user's sessions", async () => {
    const user = await signUp(bindings);
    const res = await send(bindings, `/api/admin/users/${user.userId}/revoke-sessions`, {
      method: "POST",
      headers: bearer(admin.adminToken),
    });
    expect(await res.json()).toEqual({ revoked: 1 });
    expect((await send(bindings, "/api/me", { headers: bearer(user.accessToken) })).status).toBe(401);
  });

  it("filters audit logs by time range", async () => {
    const future = new Date(Date.now() + 3600_000).toISOString();
    const res = await send(bindings, `/api/admin/audit-logs?from=${encodeURIComponent(future)}`, {
      headers: bearer(admin.adminToken),
    });
    expect(((await res.json()) as { entries: unknown[] }).entries).toEqual([]);
    const past = await send(bindings, `/api/admin/audit-logs?actor=${admin.userId}&limit=1`, {
      headers: bearer(admin.adminToken),
    });
    const body = (await past.json()) as { entries: unknown[]; nextCursor: string | null };
    expect(body.entries).toHaveLength(1);
    expect(body.nextCursor).not.toBeNull();
  });
});

describe("access matrix: anonymous, user, another user and admin × every endpoint", () => {
  type Who = "anonymous" | "user" | "other" | "admin";
  const cases: {
    name: string;
    method: string;
    path: (ids: { user: string }) => string;
    json?: unknown;
    expect: Record<Who, number>;
  }[] = [
    {
      name: "GET /api/me",
      method: "GET",
      path: () => "/api/me",
      expect: { anonymous: 401, user: 200, other: 200, admin: 200 },
    },
    {
      name: "PATCH /api/me",
      method: "PATCH",
      path: () => "/api/me",
      json: { displayName: "X" },
      expect: { anonymous: 401, user: 200, other: 200, admin: 200 },
    },
    {
      name: "GET /api/auth/sessions",
      method: "GET",
      path: () => "/api/auth/sessions",
      expect: { anonymous: 401, user: 200, other: 200, admin: 200 },
    },
    {
      name: "POST /api/auth/email/verify-request",
      method: "POST",
      path: () => "/api/auth/email/verify-request",
      expect: { anonymous: 401, user: 202, other: 202, admin: 202 },
    },
    {
      name: "GET /api/admin/users",
      method: "GET",
      path: () => "/api/admin/users",
      expect: { anonymous: 401, user: 403, other: 403, admin: 200 },
    },
    {
      name: "PATCH /api/admin/users/:id",
      method: "PATCH",
      path: ({ user }) => `/api/admin/users/${user}`,
      json: { role: "user" },
      expect: { anonymous: 401, user: 403, other: 403, admin: 204 },
    },
    {
      name: "POST /api/admin/users/:id/revoke-sessions",
      method: "POST",
      path: () => `/api/admin/users/${crypto.randomUUID()}/revoke-sessions`,
      expect: { anonymous: 401, user: 403, other: 403, admin: 200 },
    },
    {
      name: "GET /api/admin/audit-logs",
      method: "GET",
      path: () => "/api/admin/audit-logs",
      expect: { anonymous: 401, user: 403, other: 403, admin: 200 },
    },
    {
      name: "DELETE /api/auth/sessions/:id of the user",
      method: "DELETE",
      path: () => "/api/auth/sessions/USER_SESSION",
      expect: { anonymous: 401, user: 204, other: 404, admin: 404 },
    },
  ];

  it.each(cases)("$name", async (c) => {
    const user = await signUp(bindings);
    const other = await signUp(bindings);
    const sessions = (await (
      await send(bindings, "/api/auth/sessions", { headers: bearer(user.accessToken) })
    ).json()) as {
      sessions: { id: string }[];
    };
    const tokens: Record<Who, string | undefined> = {
      anonymous: undefined,
      other: other.accessToken,
      admin: admin.adminToken,
      user: user.accessToken,
    };
    const got: Record<string, number> = {};
    for (const who of ["anonymous", "other", "admin", "user"] as Who[]) {
      const path = c.path({ user: user.userId }).replace("USER_SESSION", sessions.sessions[0]?.id ?? "");
      const token = tokens[who];
      const res = await send(bindings, path, {
        method: c.method,
        headers: token ? bearer(token) : {},
        ...(c.json !== undefined && { json: c.json }),
      });
      got[who] = res.status;
    }
    expect(got).toEqual(c.expect);
  });
});
