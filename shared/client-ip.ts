import type { Context } from "hono";
import type { AppEnv } from "./env";

/** The caller's IP as Cloudflare reports it; loopback when the local stack runs without Cloudflare in front. */
export function clientIp<E extends AppEnv>(c: Context<E>): string {
  return c.req.header("CF-Connecting-IP") ?? (c.get("config")?.local ? "127.0.0.1" : "unknown");
}

/** Who a request is counted for: the signed-in user, else the client IP. */
export function principalOf<E extends AppEnv>(c: Context<E>): string {
  return c.get("principal") ?? `ip:${clientIp(c)}`;
}

/** IP and user agent of the request, as sessions and audit entries record them. */
export function requestMeta<E extends AppEnv>(c: Context<E>) {
  return { ip: clientIp(c), userAgent: c.req.header("User-Agent")?.slice(0, 512) };
}
