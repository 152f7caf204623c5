import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { neon, neonConfig } from "@neondatabase/serverless";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childrenOf, guardedDirs, isAlive, waitFor } from "./process-probe";
import { type Stack, startStack } from "./stack";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
let stack: Stack;

const neonHeaders = {
  "Neon-Connection-String": "postgres://backline:backline@db.localtest:5432/stack_test",
  "Neon-Raw-Text-Output": "true",
  "Neon-Array-Mode": "true",
};

beforeAll(async () => {
  stack = await startStack({ quiet: true });
});

afterAll(async () => {
  await stack?.stop();
});

describe("stack basics", () => {
  it("runs the backends the environment asks for", () => {
    const wantedPostgres = process.env.BACKLINE_POSTGRES;
    const wantedRedis = process.env.BACKLINE_REDIS;
    if (wantedPostgres === "pglite" || wantedPostgres === "postgres")
      expect(stack.postgres.kind).toBe(wantedPostgres);
    if (wantedRedis === "embedded" || wantedRedis === "redis-server")
      expect(stack.redis.kind).toBe(wantedRedis);
    expect(stack.postgres.version).toMatch(/^PostgreSQL \d+/);
    expect(stack.redis.version).toMatch(/^\d+\.\d+/);
    expect(stack.neonEndpoint).toBe(`${stack.url}/sql`);
    expect(stack.upstashUrl).toBe(`${stack.url}/redis`);
    expect(stack.mailboxUrl).toBe(`${stack.url}/mailbox`);
    expect(stack.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("answers /_health", async () => {
    const res = await fetch(`${stack.url}/_health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it("answers unknown paths with 404 JSON", async () => {
    const res = await fetch(`${stack.url}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: expect.stringContaining("/nope") });
  });
});

describe("round-trip counters", () => {
  it("counts one neon query under its trace key and nothing else", async () => {
    const res = await fetch(stack.neonEndpoint, {
      method: "POST",
      headers: { ...neonHeaders, "x-backline-trace": "t1" },
      body: JSON.stringify({ query: "select 1", params: [] }),
    });
    expect(res.status).toBe(200);
    const stats = await fetch(`${stack.url}/_stats/t1`);
    expect(await stats.json()).toEqual({ neon: 1, upstash: 0, stripe: 0, mail: 0 });
  });

  it("counts a pipeline as one upstash round trip, and failing requests too", async () => {
    const headers = { Authorization: `Bearer ${stack.upstashToken}`, "x-backline-trace": "t-pipe" };
    await fetch(`${stack.upstashUrl}/pipeline`, {
      method: "POST",
      headers,
      body: JSON.stringify([
        ["SET", "a", "1"],
        ["INCR", "a"],
        ["GET", "a"],
      ]),
    });
    const refused = await fetch(stack.upstashUrl, {
      method: "POST",
      headers: { ...headers, Authorization: "Bearer wrong" },
      body: '["GET","a"]',
    });
    expect(refused.status).toBe(401);
    await fetch(`${stack.url}/v1/customers`, { headers: { "x-backline-trace": "t-pipe" } });
    await fetch(`${stack.mailboxUrl}/messages`, {
      method: "POST",
      headers: { "x-backline-trace": "t-pipe" },
      body: JSON.stringify({ from: "a@x.test", to: "b@x.test", text: "hi" }),
    });
    await fetch(`${stack.mailboxUrl}/messages?to=b@x.test`, { headers: { "x-backline-trace": "t-pipe" } });
    const res = await fetch(`${stack.url}/_stats/t-pipe`);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(await res.json()).toEqual({ neon: 0, upstash: 2, stripe: 1, mail: 1 });
    expect(await (await fetch(`${stack.url}/_stats/never-used`)).json()).toEqual({
      neon: 0,
      upstash: 0,
      stripe: 0,
      mail: 0,
    });
  });

  it("takes trace keys from the production clients' URLs (Upstash path, Neon connection string)", async () => {
    const redis = new Redis({ url: `${stack.upstashUrl}/~trace/t-sdk`, token: stack.upstashToken });
    expect(await redis.set("traced", "1")).toBe("OK");
    expect(await redis.pipeline().incr("traced").get("traced").exec()).toEqual([2, 2]);
    neonConfig.fetchEndpoint = stack.neonEndpoint;
    const sql = neon("postgres://backline:backline@db.localtest:5432/stack_test?backline_trace=t-sdk");
    expect(await sql.query("select 2 as two")).toEqual([{ two: 2 }]);
    expect(await (await fetch(`${stack.url}/_stats/t-sdk`)).json()).toEqual({
      neon: 1,
      upstash: 2,
      stripe: 0,
      mail: 0,
    });
  });

  it("reports totals and resets them", async () => {
    await fetch(stack.neonEndpoint, {
      method: "POST",
      headers: neonHeaders,
      body: JSON.stringify({ query: "select 1", params: [] }),
    });
    const before = (await (await fetch(`${stack.url}/_stats`)).json()) as { total: Record<string, number> };
    expect(before.total.neon).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${stack.url}/_stats`, { method: "DELETE" })).status).toBe(200);
    expect(await (await fetch(`${stack.url}/_stats`)).json()).toEqual({
      total: { neon: 0, upstash: 0, stripe: 0, mail: 0 },
    });
    expect(await (await fetch(`${stack.url}/_stats/t1`)).json()).toEqual({
      neon: 0,
      upstash: 0,
      stripe: 0,
      mail: 0,
    });
  });
});

describe("mailbox", () => {
  const post = (message: Record<string, unknown>) =>
    fetch(`${stack.mailboxUrl}/messages`, { method: "POST", body: JSON.stringify(message) });

  it("stores messages, lists them by recipient newest first, and clears them", async () => {
    await fetch(`${stack.mailboxUrl}/messages`, { method: "DELETE" });
    const first = await post({ from: "app@backline.test", to: "ada@example.com", subject: "One", text: "1" });
    expect(first.status).toBe(201);
    const { id: firstId } = (await first.json()) as { id: string };
    await post({ from: "app@backline.test", to: ["bob@example.com"], subject: "Other", text: "x" });
    const second = await post({
      from: "app@backline.test",
      to: ["ADA@example.com", "cc@example.com"],
      subject: "Two",
      text: "2",
      html: "<p>2</p>",
    });
    const { id: secondId } = (await second.json()) as { id: string };

    const listed = await fetch(`${stack.mailboxUrl}/messages?to=ada@example.com`);
    expect(listed.headers.get("access-control-allow-origin")).toBe("*");
    const { messages } = (await listed.json()) as {
      messages: { id: string; subject: string; receivedAt: string }[];
    };
    expect(messages.map((m) => [m.id, m.subject])).toEqual([
      [secondId, "Two"],
      [firstId, "One"],
    ]);
    expect(new Date(messages[0]?.receivedAt ?? "").toISOString()).toBe(messages[0]?.receivedAt);

    const one = await fetch(`${stack.mailboxUrl}/messages/${firstId}`);
    expect(await one.json()).toMatchObject({
      id: firstId,
      from: "app@backline.test",
      to: ["ada@example.com"],
      text: "1",
    });
    expect((await fetch(`${stack.mailboxUrl}/messages/unknown-id`)).status).toBe(404);

    const cleared = await fetch(`${stack.mailboxUrl}/messages`, { method: "DELETE" });
    expect(await cleared.json()).toEqual({ deleted: 3 });
    expect(await (await fetch(`${stack.mailboxUrl}/messages`)).json()).toEqual({ messages: [] });
  });

  it("rejects a message without recipients", async () => {
    const res = await post({ from: "app@backline.test", subject: "x", text: "x" });
    expect(res.status).toBe(400);
  });

  it("renders an escaped HTML page and serves the HTML body sandboxed", async () => {
    const res = await post({
      from: "app@backline.test",
      to: "eve@example.com",
      subject: "<script>alert(1)</script>",
      text: "Click <here> & enjoy",
      html: "<h1>Hello</h1>",
    });
    const { id } = (await res.json()) as { id: string };
    const page = await fetch(stack.mailboxUrl);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain("<script>alert(1)");
    expect(html).toContain("Click &lt;here&gt; &amp; enjoy");
    expect(html).toContain(`/mailbox/messages/${id}/html`);
    const body = await fetch(`${stack.mailboxUrl}/messages/${id}/html`);
    expect(body.headers.get("content-security-policy")).toBe("sandbox");
    expect(await body.text()).toBe("<h1>Hello</h1>");
  });
});

describe("stop()", () => {
  it("is idempotent and closes the port", async () => {
    const own = await startStack({ quiet: true });
    await Promise.all([own.stop(), own.stop()]);
    await own.stop();
    await expect(fetch(`${own.url}/_health`)).rejects.toThrow();
  });
});

async function startCli(): Promise<{
  child: ChildProcessWithoutNullStreams;
  ready: Record<string, unknown>;
}> {
  const child = spawn(process.execPath, ["--import", "tsx", "dev/stack.ts", "--port", "0", "--quiet"], {
    cwd: ROOT,
    env: process.env,
  });
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const lines: string[] = [];
    createInterface({ input: child.stdout }).on("line", (line) => {
      lines.push(line);
      if (line.startsWith("BACKLINE_STACK_READY ")) {
        resolve(JSON.parse(line.slice("BACKLINE_STACK_READY ".length)) as Record<string, unknown>);
      }
    });
    child.once("exit", (code) => reject(new Error(`stack exited early (${code}): ${lines.join("\n")}`)));
  });
  return { child, ready };
}

describe("CLI", () => {
  it("prints one READY line, serves, and exits 0 on SIGTERM without leaving children", async () => {
    const { child, ready } = await startCli();
    expect(Object.keys(ready).sort()).toEqual(
      [
        "databaseUrl",
        "mailboxUrl",
        "neonEndpoint",
        "postgres",
        "redis",
        "stripeApiBase",
        "stripeWebhookSecret",
        "upstashToken",
        "upstashUrl",
        "url",
      ].sort(),
    );
    expect((await fetch(`${String(ready.url)}/_health`)).status).toBe(200);
    const children = childrenOf(child.pid ?? 0);
    const dirs = guardedDirs(children);
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(await waitFor(() => children.every((pid) => !isAlive(pid)), 5000)).toBe(true);
    expect(dirs.every((dir) => !existsSync(dir))).toBe(true);
  });

  it("cleans up its servers even when killed with SIGKILL", async (ctx) => {
    const hasServers =
      stack.redis.kind === "redis-server" ||
      (stack.postgres.kind === "postgres" && !process.env.DATABASE_URL);
    if (!hasServers) ctx.skip("embedded backends start no processes");
    const { child } = await startCli();
    const children = childrenOf(child.pid ?? 0);
    const dirs = guardedDirs(children);
    if (stack.postgres.kind === "postgres" && !process.env.DATABASE_URL) expect(dirs).toHaveLength(1);
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    expect(await waitFor(() => children.every((pid) => !isAlive(pid)), 10_000)).toBe(true);
    expect(await waitFor(() => dirs.every((dir) => !existsSync(dir)), 10_000)).toBe(true);
  });
});
