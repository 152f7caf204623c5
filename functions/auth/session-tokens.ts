import type { Context } from "hono";
import type { Profile } from "../../db/queries/users";
import { ACCESS_TOKEN_TTL_SECONDS, signAccessToken } from "../../shared/auth/access-token";
import { randomToken, sha256 } from "../../shared/crypto";
import type { AppEnv } from "../../shared/env";

/** A new refresh token `<sessionId>.<secret>` and the hash stored for it. */
export async function newRefreshToken(sessionId: string) {
  const secret = randomToken();
  return { token: `${sessionId}.${secret}`, hash: await sha256(secret) };
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
