/** One command to the Upstash stand-in over its REST protocol. */
async function upstashCommand(url: string, token: string, command: unknown[]): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(command),
  });
  if (!res.ok) throw new Error(`Upstash stand-in answered ${res.status} to ${String(command[0])}`);
  return ((await res.json()) as { result: unknown }).result;
}

/** Forgets every rate-limit window in the stand-in's Redis, so one run's traffic does not throttle the next. */
export async function forgetRateLimits(url: string, token: string): Promise<void> {
  const keys = (await upstashCommand(url, token, ["KEYS", "rl:*"])) as string[];
  for (let i = 0; i < keys.length; i += 500)
    await upstashCommand(url, token, ["DEL", ...keys.slice(i, i + 500)]);
}
