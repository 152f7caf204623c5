import { randomIp, send, type TestBindings } from "./harness";

export interface SignedUp {
  email: string;
  password: string;
  userId: string;
  accessToken: string;
  refreshToken: string;
  ip: string;
}

/** A fresh unique email. */
export function uniqueEmail(tag = "user"): string {
  return `${tag}-${crypto.randomUUID().slice(0, 8)}@example.com`;
}

/** Signs up a new user through the API (refresh token returned in the body). */
export async function signUp(bindings: TestBindings, overrides: { email?: string; password?: string } = {}) {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? "a sturdy passphrase 42";
  const ip = randomIp();
  const res = await send(bindings, "/api/auth/signup", {
    method: "POST",
    headers: { "CF-Connecting-IP": ip, "User-Agent": "vitest" },
    json: { email, password, displayName: "Test User", returnRefreshToken: true },
  });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { accessToken: string; refreshToken: string; user: { id: string } };
  return {
    email,
    password,
    ip,
    userId: body.user.id,
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
  };
}

/** Authorization header for an access token. */
export function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

/** A new access token from the user's refresh token: it carries the role and tier the database holds now. */
export async function refreshedAccessToken(bindings: TestBindings, user: SignedUp): Promise<string> {
  const res = await send(bindings, "/api/auth/refresh", {
    method: "POST",
    json: { refreshToken: user.refreshToken },
  });
  if (res.status !== 200) throw new Error(`refresh failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}
