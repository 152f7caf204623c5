import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../shared/clients";
import { loadConfig } from "../shared/config";
import { type SignedUp, signUp } from "./support/accounts";
import { fileEnv, send, type TestBindings } from "./support/harness";

/** The test runs' lowered hashing cost (vitest.config.ts), and the same database at another one. */
const bindings = fileEnv("password_hash_cost");
const costlier = { ...bindings, PASSWORD_HASH_COST: "6" } as TestBindings;
const db = () => createDb(loadConfig(bindings));

async function storedHash(user: SignedUp): Promise<string | undefined> {
  const rows = await db().execute<{ password_hash: string }>(
    sql`select password_hash from users where id = ${user.userId}`,
  );
  return rows.rows[0]?.password_hash;
}

function signin(env: TestBindings, user: SignedUp) {
  return send(env, "/api/auth/signin", {
    method: "POST",
    json: { email: user.email, password: user.password },
  });
}

describe("PASSWORD_HASH_COST (local only)", () => {
  it("sets the cost of the hashes sign-up makes, and sign-in rehashes only a hash of another cost", async () => {
    expect(bindings.PASSWORD_HASH_COST).toBe("4");
    const user = await signUp(bindings);
    const made = await storedHash(user);
    expect(made).toMatch(/^\$scrypt\$ln=4,r=8,p=5\$/);

    expect((await signin(bindings, user)).status).toBe(200);
    expect(await storedHash(user)).toBe(made);

    expect((await signin(costlier, user)).status).toBe(200);
    expect(await storedHash(user)).toMatch(/^\$scrypt\$ln=6,r=8,p=5\$/);
  });
});
