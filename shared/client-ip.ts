import type { Context } from "hono";
import type { AppEnv } from "./env";

/** The caller's IP as Cloudflare reports it; loopback when the local stack runs without Cloudflare in front. */
export function clientIp<E extends AppEnv>(c: Context<E>): string {
  return c.req.header("CF-Connecting-IP") ?? (c.get("config")?.local ? "127.0.0.1" : "unknown");
}

/** The eight 16-bit groups of an IPv6 address (embedded IPv4 as two groups), or undefined if it is not one. */
function ipv6Groups(ip: string): number[] | undefined {
  const halves = ip.toLowerCase().split("::");
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string | undefined) =>
    part ? part.split(":").flatMap((g) => (g.includes(".") ? ["0", "0"] : [g])) : [];
  const head = groupsOf(halves[0]);
  const tail = groupsOf(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => Number.parseInt(g, 16));
}

/**
 * What IP-keyed rate limits count per: the IPv4 address, or the /64 of an IPv6 one (a client
 * usually holds a whole /64, so counting per address would let it rotate through 2^64 of them).
 * Logs and audit entries keep the exact address (`clientIp`).
 */
export function rateLimitKeyOfIp(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped?.[1]) return mapped[1];
  if (!ip.includes(":")) return ip;
  const groups = ipv6Groups(ip);
  if (!groups) return ip;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(":")}::/64`;
}

/** The caller's rate-limit key: its IPv4 address or IPv6 /64. */
export function clientRateLimitKey<E extends AppEnv>(c: Context<E>): string {
  return rateLimitKeyOfIp(clientIp(c));
}

/** Who a request is counted for (idempotency keys): the signed-in user, else the client IP. */
export function principalOf<E extends AppEnv>(c: Context<E>): string {
  return c.get("principal") ?? `ip:${clientIp(c)}`;
}

/** Who a rate limit counts a request for: the signed-in user, else the client's IPv4 address or IPv6 /64. */
export function rateLimitPrincipalOf<E extends AppEnv>(c: Context<E>): string {
  return c.get("principal") ?? `ip:${clientRateLimitKey(c)}`;
}

/** IP and user agent of the request, as sessions and audit entries record them. */
export function requestMeta<E extends AppEnv>(c: Context<E>) {
  return { ip: clientIp(c), userAgent: c.req.header("User-Agent")?.slice(0, 512) };
}
