import { Client, neonConfig } from "@neondatabase/serverless";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPostgresBinaries, type PostgresCluster, startPostgresCluster } from "./postgres-cluster";
import { type Stack, startStack } from "./stack";

const binaries = findPostgresBinaries();
const PASSWORD = "s3cret pw";
let cluster: PostgresCluster;
const stacks: Stack[] = [];

/** A stack whose Postgres is `databaseUrl`, as DATABASE_URL would configure it. */
async function stackOn(databaseUrl: string): Promise<Stack> {
  const saved = process.env.DATABASE_URL;
  process.env.DATABASE_URL = databaseUrl;
  try {
    const stack = await startStack({ quiet: true, postgres: "postgres", redis: "embedded" });
    stacks.push(stack);
    return stack;
  } finally {
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
  }
}

/** Logs in over the stack's WebSocket proxy with credentials the server does not know. */
async function currentUserOverWs(stack: Stack, database: string): Promise<string> {
  const client = new Client(`postgres://nobody:wrong@db.localtest:5432/${database}`);
  client.neonConfig.wsProxy = (host, port) => `${stack.wsProxyUrl}?address=${host}:${port}`;
  await client.connect();
  try {
    await client.query("BEGIN");
    const { rows } = await client.query<{ user: string }>("select current_user as user");
    await client.query("COMMIT");
    return rows[0]?.user ?? "";
  } finally {
    await client.end();
  }
}

async function asAdmin(statements: string[]): Promise<void> {
  const admin = new pg.Client({ connectionString: cluster.adminUrl });
  await admin.connect();
  try {
    for (const statement of statements) await admin.query(statement);
  } finally {
    await admin.end();
  }
}

async function storedPasswordPrefix(role: string): Promise<string> {
  const admin = new pg.Client({ connectionString: cluster.adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ prefix: string }>(
      "select split_part(rolpassword, '$', 1) as prefix from pg_authid where rolname = $1",
      [role],
    );
    return rows[0]?.prefix ?? "";
  } finally {
    await admin.end();
  }
}

describe.skipIf(!binaries)("WebSocket proxy on a DATABASE_URL server that asks for passwords", () => {
  beforeAll(async () => {
    if (!binaries) return;
    cluster = await startPostgresCluster(binaries, { password: PASSWORD });
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineTLS = false;
    neonConfig.pipelineConnect = false;
  });

  afterAll(async () => {
    await Promise.allSettled(stacks.map((stack) => stack.stop()));
    await cluster?.stop();
  });

  it("logs in with SCRAM-SHA-256 as the DATABASE_URL role, whatever user the client sends", async () => {
    // initdb stores the superuser's password as MD5 under --auth-host=md5: store it as SCRAM instead.
    await asAdmin([
      "SET password_encryption = 'scram-sha-256'",
      `ALTER ROLE postgres PASSWORD '${PASSWORD}'`,
    ]);
    expect(await storedPasswordPrefix("postgres")).toBe("SCRAM-SHA-256");
    const stack = await stackOn(cluster.adminUrl);
    expect(await currentUserOverWs(stack, "auth_scram")).toBe("postgres");
  });

  it("logs in with MD5 for a role whose password is stored as MD5", async () => {
    await asAdmin([
      "SET password_encryption = 'md5'",
      `CREATE ROLE md5_admin LOGIN SUPERUSER PASSWORD '${PASSWORD}'`,
    ]);
    expect(await storedPasswordPrefix("md5_admin")).toMatch(/^md5/);
    const url = new URL(cluster.adminUrl);
    url.username = "md5_admin";
    const stack = await stackOn(url.toString());
    expect(await currentUserOverWs(stack, "auth_md5")).toBe("md5_admin");
  });
});
