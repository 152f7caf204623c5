import { decode, sign, verify } from "hono/jwt";
import type { Role, Tier } from "../../db/schema/users";
import { toBase64Url } from "../base64url";
import { sha256 } from "../crypto";

/** Access tokens live 15 minutes; a revoked session's tokens are refused through Redis meanwhile. */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

/** The claims Backline puts in an access token. */
export interface AccessClaims {
  sub: string;
  sid: string;
  role: Role;
  tier: Tier;
  email_verified: boolean;
  iat: number;
  nbf: number;
  exp: number;
}

/** Whether a token's holder may open premium lessons: premium members, and admins (who edit them). */
export function unlocksPremium(claims: Pick<AccessClaims, "role" | "tier"> | undefined): boolean {
  return claims?.tier === "premium" || claims?.role === "admin";
}

type SigningKey = { kid: string; secret: string };

const keyCache = new Map<string, Promise<SigningKey>>();

/** The key id of a secret: a short hash, so a rotated-out secret can still be picked by `kid`. */
function signingKey(secret: string): Promise<SigningKey> {
  let key = keyCache.get(secret);
  if (!key) {
    key = sha256(`backline-jwt:${secret}`).then((hash) => ({ kid: hash.slice(0, 12), secret }));
    keyCache.set(secret, key);
  }
  return key;
}

function jwk({ kid, secret }: SigningKey) {
  return { kty: "oct", alg: "HS256", kid, k: toBase64Url(new TextEncoder().encode(secret)) } as const;
}

/** Signs an HS256 access token with the current secret, `kid` in the header. */
export async function signAccessToken(
  claims: Omit<AccessClaims, "iat" | "nbf" | "exp">,
  secret: string,
  now = Math.floor(Date.now() / 1000),
): Promise<string> {
  const key = await signingKey(secret);
  const payload: AccessClaims = { ...claims, iat: now, nbf: now, exp: now + ACCESS_TOKEN_TTL_SECONDS };
  return sign({ ...payload }, jwk(key));
}

/**
 * Verifies an access token against the current secret or, during rotation, the previous
 * one (picked by `kid`). Only HS256 is accepted; `exp`, `nbf` and `iat` are required.
 * Returns null for any token that is not valid, without saying why.
 */
export async function verifyAccessToken(
  token: string,
  secrets: { current: string; previous?: string },
): Promise<AccessClaims | null> {
  try {
    const { header } = decode(token);
    if (header.alg !== "HS256") return null;
    const candidates = [secrets.current, ...(secrets.previous ? [secrets.previous] : [])];
    const keys = await Promise.all(candidates.map(signingKey));
    const key = keys.find((k) => k.kid === (header as { kid?: string }).kid);
    if (!key) return null;
    const payload = await verify(token, jwk(key), { alg: "HS256", nbf: true, exp: true, iat: true });
    return isAccessClaims(payload) ? payload : null;
  } catch {
    return null;
  }
}

function isAccessClaims(payload: Record<string, unknown>): payload is AccessClaims & Record<string, unknown> {
  return (
    typeof payload.sub === "string" &&
    typeof payload.sid === "string" &&
    typeof payload.role === "string" &&
    typeof payload.tier === "string" &&
    typeof payload.email_verified === "boolean" &&
    typeof payload.exp === "number" &&
    typeof payload.nbf === "number" &&
    typeof payload.iat === "number"
  );
}
