import { fromBase64Url, toBase64Url } from "../base64url";
import { hmacKey, randomToken } from "../crypto";

/** How long the second step of a sign-in may take after the password step. */
export const MFA_CHALLENGE_TTL_SECONDS = 300;

/** What a sign-in challenge carries: whose it is and which password step it continues. */
export interface MfaChallenge {
  /** The user id. */
  sub: string;
  /** The account's rate-limit key (a hash of its email): the second step counts in the same budgets. */
  ak: string;
  /** A random id: the challenge is spent (in Redis) when a code completes it. */
  jti: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
  /** A keyed fingerprint of the password hash it was issued for: changing the password voids it. */
  pw: string;
  /** The first factor when not the password: the provider of a Google or GitHub sign-in. */
  via?: string;
}

const encoder = new TextEncoder();
const CHALLENGE_LABEL = "backline mfa challenge:";
const PASSWORD_LABEL = "backline mfa password step:";

async function mac(secret: string, label: string, data: string): Promise<string> {
  const key = await hmacKey(secret);
  const tag = await crypto.subtle.sign("HMAC", key, encoder.encode(`${label}${data}`));
  return toBase64Url(new Uint8Array(tag));
}

/** The fingerprint binding a challenge to the password hash it was issued after. */
export async function passwordStepOf(secret: string, passwordHash: string): Promise<string> {
  return (await mac(secret, PASSWORD_LABEL, passwordHash)).slice(0, 22);
}

/**
 * A signed challenge `<payload>.<tag>` (HMAC-SHA-256 under the JWT secret, domain-separated
 * from access and refresh tokens). Stateless: issuing it costs no round trip.
 */
export async function issueMfaChallenge(
  secret: string,
  account: { id: string; accountKey: string; passwordHash: string; via?: string },
  nowMs = Date.now(),
): Promise<string> {
  const challenge: MfaChallenge = {
    sub: account.id,
    ak: account.accountKey,
    jti: randomToken(16),
    exp: Math.floor(nowMs / 1000) + MFA_CHALLENGE_TTL_SECONDS,
    pw: await passwordStepOf(secret, account.passwordHash),
    ...(account.via ? { via: account.via } : {}),
  };
  const payload = toBase64Url(encoder.encode(JSON.stringify(challenge)));
  return `${payload}.${await mac(secret, CHALLENGE_LABEL, payload)}`;
}

/** The challenge if this server signed it and it has not expired; undefined otherwise. */
export async function readMfaChallenge(
  secret: string,
  token: string,
  nowMs = Date.now(),
): Promise<MfaChallenge | undefined> {
  const [payload, tag, extra] = token.split(".");
  if (!payload || !tag || extra !== undefined) return undefined;
  const expected = await mac(secret, CHALLENGE_LABEL, payload);
  let diff = expected.length ^ tag.length;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ (tag.charCodeAt(i) || 0);
  if (diff !== 0) return undefined;
  let challenge: MfaChallenge;
  try {
    challenge = JSON.parse(new TextDecoder().decode(fromBase64Url(payload))) as MfaChallenge;
  } catch {
    return undefined;
  }
  if (typeof challenge.exp !== "number" || challenge.exp * 1000 <= nowMs) return undefined;
  return challenge;
}
