import type { Redis } from "@upstash/redis";
import { toBase64Url } from "../base64url";
import { dependencyUnavailable } from "../errors";
import { trackRedisCall } from "../middleware/rate-limit";

/** How long a browser has to answer a passkey prompt (also the options' `timeout`). */
export const WEBAUTHN_CHALLENGE_TTL_SECONDS = 300;

/** What a stored challenge is for; each kind is accepted only by its own ceremony. */
export type ChallengeRecord =
  | { kind: "register"; userId: string; email: string; displayName: string }
  | { kind: "signin" }
  /** A sign-in's second step: `jti` is the MFA challenge it continues, `userId` whose it is. */
  | { kind: "mfa"; userId: string; jti: string };

const keyOf = (challenge: string) => `webauthn:challenge:${challenge}`;

/**
 * A new random challenge (32 bytes), kept in Redis with what it is for until it is answered
 * once or expires. It is the key: the browser echoes it in clientDataJSON. Redis down: 503.
 */
export async function issueChallenge(redis: Redis, record: ChallengeRecord): Promise<string> {
  const challenge = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  try {
    await trackRedisCall(redis.set(keyOf(challenge), record, { ex: WEBAUTHN_CHALLENGE_TTL_SECONDS }));
  } catch (error) {
    throw dependencyUnavailable("Passkeys cannot be used right now.", error);
  }
  return challenge;
}

/**
 * Takes a challenge for good (GETDEL: of two requests answering it, one gets it): its record,
 * or undefined when it was never issued, was used, expired, or is of another `kind`.
 * Redis down: 503 (fails closed: an unchecked challenge could be replayed).
 */
export async function takeChallenge<K extends ChallengeRecord["kind"]>(
  redis: Redis,
  challenge: string,
  kind: K,
): Promise<Extract<ChallengeRecord, { kind: K }> | undefined> {
  let record: ChallengeRecord | null;
  try {
    record = await trackRedisCall(redis.getdel<ChallengeRecord>(keyOf(challenge)));
  } catch (error) {
    throw dependencyUnavailable("Passkeys cannot be used right now.", error);
  }
  return record?.kind === kind ? (record as Extract<ChallengeRecord, { kind: K }>) : undefined;
}
