import { REDIS_TIMEOUT_MS } from "../clients";
import { type PasswordCheck, verifyPassword } from "../crypto";
import { pendingRedisCalls } from "../middleware/rate-limit";

const POLL_MS = 2;
/** A 1 ms timer that fires later than this means the isolate is busy with other requests. */
const BUSY_LAG_MS = 15;

/**
 * Waits (at most one Redis timeout) until the isolate is not busy with other requests, measured
 * by how late a 1 ms timer fires. A Redis call's timeout runs in wall time: issued while a burst
 * of requests keeps the isolate busy, its answer can sit unread past the deadline and turn into
 * a 503 although Redis answered in time. Costs ~1 ms when the isolate is idle.
 */
export async function untilIsolateIdle(): Promise<void> {
  const giveUpAt = Date.now() + REDIS_TIMEOUT_MS;
  for (;;) {
    const asked = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (Date.now() - asked <= BUSY_LAG_MS || Date.now() >= giveUpAt) return;
  }
}

/**
 * Runs a password hash once no Redis call of this isolate is waiting for its answer. A hash
 * blocks the isolate for ~0.2 s; started while another request's limiter call is in flight,
 * it would hold that call past its Redis timeout (a 503 while Redis is up). No call can start
 * during the hash (one thread), so none spans it. Polls rather than being woken by the call
 * that settles, so no request settles a promise of another. Waits at most one Redis timeout:
 * by then every pending call has settled or failed on its own.
 */
export async function whenRedisIdle<T>(hash: () => Promise<T>): Promise<T> {
  const giveUpAt = Date.now() + REDIS_TIMEOUT_MS;
  while (pendingRedisCalls() > 0 && Date.now() < giveUpAt) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return hash();
}

/**
 * Checks a password against its stored hash, without holding up other requests' Redis calls;
 * `cost` is the config's PASSWORD_HASH_COST, which the rehash rule compares against.
 */
export function checkPassword(password: string, stored: string, cost?: number): Promise<PasswordCheck> {
  return whenRedisIdle(() => verifyPassword(password, stored, cost));
}
