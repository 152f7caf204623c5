import type { Context } from "hono";
import type { Profile } from "../../db/queries/users";
import { ACCESS_TOKEN_TTL_SECONDS, signAccessToken } from "../../shared/auth/access-token";
import { toUserDto } from "../../shared/auth/user-dto";
import { fromBase64Url, toBase64Url } from "../../shared/base64url";
import { hmacKey, sha256 } from "../../shared/crypto";
import type { AppEnv } from "../../shared/env";
import { setRefreshCookie } from "./refresh-cookie";

/** The keys refresh-token secrets are tagged with: the JWT key, and the previous one while it rotates. */
export interface RefreshKeys {
  JWT_SECRET: string;
  JWT_SECRET_PREVIOUS?: string;
}

const encoder = new TextEncoder();
const NONCE_BYTES = 16;
const TAG_BYTES = 16;

/** The tag binding a nonce to its session: HMAC-SHA-256 (domain-separated from JWTs), truncated. */
async function refreshTag(key: string, sessionId: string, nonce: Uint8Array): Promise<Uint8Array> {
  const hmac = await hmacKey(key);
  const label = encoder.encode(`backline refresh token:${sessionId}:`);
  const data = new Uint8Array(label.length + nonce.length);
  data.set(label);
  data.set(nonce, label.length);
  return new Uint8Array(await crypto.subtle.sign("HMAC", hmac, data)).slice(0, TAG_BYTES);
}

/**
 * A new refresh token `<sessionId>.<secret>` and the hash stored for it. The secret is a
 * 128-bit nonce and its tag, so the server can tell a secret it once issued for this session
 * (a replay) from a made-up one, without keeping every rotated hash.
 */
export async function newRefreshToken(keys: RefreshKeys, sessionId: string) {
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const bytes = new Uint8Array(NONCE_BYTES + TAG_BYTES);
  bytes.set(nonce);
  bytes.set(await refreshTag(keys.JWT_SECRET, sessionId, nonce), NONCE_BYTES);
  const secret = toBase64Url(bytes);
  return { token: `${sessionId}.${secret}`, hash: await sha256(secret) };
}

/** Whether this server issued `secret` for this session (its tag checks under a current or previous key). */
export async function wasIssuedFor(keys: RefreshKeys, sessionId: string, secret: string): Promise<boolean> {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(secret);
  } catch {
    return false;
  }
  if (bytes.length !== NONCE_BYTES + TAG_BYTES) return false;
  const nonce = bytes.slice(0, NONCE_BYTES);
  const tag = bytes.slice(NONCE_BYTES);
  for (const key of [keys.JWT_SECRET, keys.JWT_SECRET_PREVIOUS]) {
    if (!key) continue;
    const expected = await refreshTag(key, sessionId, nonce);
    let diff = 0;
    for (let i = 0; i < TAG_BYTES; i++) diff |= (expected[i] as number) ^ (tag[i] as number);
    if (diff === 0) return true;
  }
  return false;
}

/** The access token response for a session. */
export async function tokenResponse<E extends AppEnv>(
  c: Context<E>,
  user: Pick<Profile, "id" | "role" | "tier"> & { emailVerified: boolean },
  sessionId: string,
  refreshToken?: string,
) {
  const accessToken = await signAccessToken(
    { sub: user.id, sid: sessionId, role: user.role, tier: user.tier, email_verified: user.emailVerified },
    c.get("config").JWT_SECRET,
  );
  return {
    accessToken,
    tokenType: "Bearer" as const,
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
    ...(refreshToken !== undefined && { refreshToken }),
  };
}

/**
 * What every way of signing in answers once its session row is written (sign-up, password,
 * second factor, passkey): the refresh cookie set, the access token (and the refresh token when
 * a non-browser client asked for it in the body), and the user.
 */
export async function signedInBody<E extends AppEnv>(
  c: Context<E>,
  user: Profile,
  sessionId: string,
  refreshToken: string,
  returnRefreshToken: boolean | undefined,
) {
  setRefreshCookie(c, refreshToken);
  const tokens = await tokenResponse(
    c,
    { ...user, emailVerified: user.emailVerifiedAt !== null },
    sessionId,
    returnRefreshToken ? refreshToken : undefined,
  );
  return { ...tokens, user: toUserDto(user) };
}
