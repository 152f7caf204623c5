/**
 * The floor for the benchmark: `/floor?neon=N&upstash=M` makes exactly N trivial Neon HTTP
 * queries and then M Upstash PINGs, one after another as Backline does, and answers 200.
 * Anything Backline costs above this is its own work.
 */
interface FloorEnv {
  NEON_URL: string;
  DATABASE_URL: string;
  UPSTASH_URL: string;
  UPSTASH_TOKEN: string;
}

const NEON_BODY = JSON.stringify({ query: "select 1", params: [] });
const PING_BODY = JSON.stringify(["PING"]);

function count(url: URL, name: string): number {
  return Math.min(10, Math.max(0, Number(url.searchParams.get(name) ?? 0) || 0));
}

async function neonSelect1(env: FloorEnv): Promise<void> {
  const res = await fetch(env.NEON_URL, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Neon-Connection-String": env.DATABASE_URL },
    body: NEON_BODY,
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`neon ${res.status}`);
}

async function upstashPing(env: FloorEnv): Promise<void> {
  const res = await fetch(env.UPSTASH_URL, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${env.UPSTASH_TOKEN}` },
    body: PING_BODY,
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`upstash ${res.status}`);
}

export default {
  async fetch(request: Request, env: FloorEnv): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname !== "/floor") return new Response("not found", { status: 404 });
    try {
      for (let i = 0; i < count(url, "upstash"); i++) await upstashPing(env);
      for (let i = 0; i < count(url, "neon"); i++) await neonSelect1(env);
    } catch (error) {
      return new Response(String(error), { status: 502 });
    }
    return new Response("ok");
  },
};
