import type { Context } from "hono";
import { iso } from "../../db/iso";
import type { ApiKeyView } from "../../db/queries/api-keys";
import type { TeamApiKeyView } from "../../db/queries/team-api-keys";
import { apiKeyPrefixFor, newApiKeySecret } from "../../shared/auth/api-key-format";
import type { ApiKeyScope, TeamApiKeyScope } from "../../shared/auth/api-key-scopes";
import { sha256 } from "../../shared/crypto";
import type { AppEnv } from "../../shared/env";

/** A key as the API shows it: never its secret or hash. */
export function toDto(k: ApiKeyView) {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    lastFour: k.lastFour,
    scopes: k.scopes as ApiKeyScope[],
    createdAt: k.createdAt.toISOString(),
    expiresAt: iso(k.expiresAt),
    lastUsedAt: iso(k.lastUsedAt),
    rotatedAt: iso(k.rotatedAt),
    revokedAt: iso(k.revokedAt),
  };
}

/** A team's key as the API shows it: a personal key's fields, its team and its creator. */
export function toTeamDto(k: TeamApiKeyView, teamId: string) {
  return {
    ...toDto(k),
    scopes: k.scopes as TeamApiKeyScope[],
    teamId: k.teamId ?? teamId,
    createdBy: k.createdBy,
  };
}

/** A new secret for key `id` and what is stored of it. */
export async function newSecret<E extends AppEnv>(c: Context<E>, id: string) {
  const prefix = apiKeyPrefixFor(c.get("config").APP_ENV);
  const secret = newApiKeySecret(prefix, id);
  return { secret, secretHash: await sha256(secret), lastFour: secret.slice(-4), prefix };
}

/** When a secret rotated out at `rotatedAt` stops working. */
export function previousSecretValidUntil(rotatedAt: Date | null, graceSeconds: number): string {
  return new Date((rotatedAt ?? new Date()).getTime() + graceSeconds * 1000).toISOString();
}
