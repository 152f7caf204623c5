import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { prepareOnce, renderOnce } from "../db/database";
import { liveSessionAssertion } from "../db/queries/sessions";
import { findProfile } from "../db/queries/users";
import { users } from "../db/schema/users";
import { createAssertingDb, createDb } from "../shared/clients";
import { loadConfig } from "../shared/config";
import { bearer, type SignedUp, signUp } from "./support/accounts";
import { fileEnv, roundTrips, send, traceId } from "./support/harness";

const bindings = fileEnv("prepared_statements");
const config = () => loadConfig(bindings);

/** The session id an access token names (its payload is not secret). */
function sessionIdOf(accessToken: string): string {
  const payload = accessToken.split(".")[1] as string;
  return (JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as { sid: string }).sid;
}

const emailById = prepareOnce((db) =>
  db
    .select({ email: users.email })
    .from(users)
    .where(eq(users.id, sql.placeholder("id")))
    .prepare("test_email_by_id"),
);

describe("statements prepared once per isolate", () => {
  let user: SignedUp;
  beforeAll(async () => {
    user = await signUp(bindings);
  });

  it("run on the database of each request they are given, one round trip each", async () => {
    const [first, second] = [traceId(), traceId()];
    expect(await emailById(createDb(config(), first)).execute({ id: user.userId })).toEqual([
      { email: user.email },
    ]);
    expect(await emailById(createDb(config(), second)).execute({ id: user.userId })).toEqual([
      { email: user.email },
    ]);
    expect(await roundTrips(first)).toMatchObject({ neon: 1 });
    expect(await roundTrips(second)).toMatchObject({ neon: 1 });
  });

  it("carry a request's session assertion: a revoked session's read is refused", async () => {
    const signedIn = await signUp(bindings);
    const assertion = liveSessionAssertion(sessionIdOf(signedIn.accessToken), signedIn.userId);
    const live = await findProfile(createAssertingDb(config(), assertion), signedIn.userId);
    expect(live?.email).toBe(signedIn.email);
    const signout = await send(bindings, "/api/auth/signout", {
      method: "POST",
      headers: bearer(signedIn.accessToken),
    });
    expect(signout.status).toBe(204);
    await expect(findProfile(createAssertingDb(config(), assertion), signedIn.userId)).rejects.toThrow();
  });
});

const emailSql = renderOnce<{ id: string }>(
  () => sql`select email from users where id = ${sql.placeholder("id")}::uuid`,
);

describe("raw statements rendered once per isolate", () => {
  it("run with each call's values, alone and in a batch", async () => {
    const [a, b] = [await signUp(bindings), await signUp(bindings)];
    const db = createDb(config());
    expect((await db.execute(emailSql({ id: a.userId }))).rows).toEqual([{ email: a.email }]);
    const [first, second] = await db.batch([
      db.execute(emailSql({ id: b.userId })),
      db.execute(emailSql({ id: a.userId })),
    ]);
    expect([first.rows, second.rows]).toEqual([[{ email: b.email }], [{ email: a.email }]]);
  });
});
