import { beforeAll, describe, expect, it } from "vitest";
import { grantAdmin } from "../db/queries/admin";
import { createDb } from "../shared/clients";
import { loadConfig } from "../shared/config";
import { encodeCursor } from "../shared/cursor";
import { bearer, refreshedAccessToken, type SignedUp, signUp } from "./support/accounts";
import { fileEnv, send } from "./support/harness";

const bindings = fileEnv("page-cursor");
let admin: SignedUp & { adminToken: string };

beforeAll(async () => {
  const user = await signUp(bindings);
  await grantAdmin(createDb(loadConfig(bindings)), user.email);
  admin = { ...user, adminToken: await refreshedAccessToken(bindings, user) };
});

/** A cursor that decodes fine but whose id is not of the list's id type. */
const wrongIdType = encodeCursor({ at: new Date().toISOString(), id: "in_not-a-uuid-nor-number" });

describe("a well-formed cursor with a wrong id type is a 400, not a 500", () => {
  it.each(["/api/admin/users", "/api/admin/audit-logs"])("%s", async (path) => {
    const res = await send(bindings, `${path}?cursor=${wrongIdType}`, { headers: bearer(admin.adminToken) });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const body = (await res.json()) as { errors: { path: string; message: string }[] };
    expect(body.errors).toEqual([{ path: "query.cursor", message: "is not a cursor this API returned" }]);
  });

  it.each(["/api/billing/invoices", "/api/admin/webhook-events"])("%s (text ids) pages on", async (path) => {
    const res = await send(bindings, `${path}?cursor=${wrongIdType}`, { headers: bearer(admin.adminToken) });
    expect(res.status).toBe(200);
  });
});
