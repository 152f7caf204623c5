import { and, desc, eq, gt, isNull, or, sql } from "drizzle-orm";
import type { Database } from "../database";
import { TEAM_MANAGER_ROLES } from "../enums";
import { iso } from "../iso";
import { apiKeys } from "../schema/api-keys";
import { type Role, type Tier, users } from "../schema/users";
import { insertAuditIf } from "./audit";

/** How long a rotated-out secret keeps working: a day to roll the new one out to every server. */
export const API_KEY_ROTATION_GRACE_SECONDS = 24 * 3600;
/** Live (not revoked, not expired) personal keys one user may hold (a team's keys count for the team). */
export const MAX_LIVE_API_KEYS = 20;

/** What the list and the create/rotate answers show of a key: never a secret or its hash. */
export const apiKeyColumns = {
  id: apiKeys.id,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  lastFour: apiKeys.lastFour,
  scopes: apiKeys.scopes,
  createdAt: apiKeys.createdAt,
  expiresAt: apiKeys.expiresAt,
  lastUsedAt: apiKeys.lastUsedAt,
  rotatedAt: apiKeys.rotatedAt,
  revokedAt: apiKeys.revokedAt,
};

export type ApiKeyView = {
  id: string;
  name: string;
  prefix: string;
  lastFour: string;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  rotatedAt: Date | null;
  revokedAt: Date | null;
};

type Meta = { ip?: string; userAgent?: string };

const live = () =>
  and(isNull(apiKeys.revokedAt), or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, sql`now()`)));

/**
 * Creates a key, audit-logged, unless its owner already holds MAX_LIVE_API_KEYS live ones;
 * undefined then. One batch (one transaction, one round trip): the owner's row is locked
 * first, so two creations at once are counted one after the other (in READ COMMITTED each
 * statement of the batch sees what committed before it started).
 */
export async function createApiKey(
  db: Database,
  k: {
    id: string;
    userId: string;
    name: string;
    scopes: string[];
    secretHash: string;
    prefix: string;
    lastFour: string;
    expiresAt: Date | null;
  } & Meta,
): Promise<ApiKeyView | undefined> {
  const [, , , [created]] = await db.batch([
    db.execute(sql`select id from users where id = ${k.userId} for update`),
    db.execute(sql`
      insert into api_keys (id, user_id, name, scopes, secret_hash, prefix, last_four, expires_at)
      select ${k.id}, ${k.userId}, ${k.name}, array[${sql.join(
        k.scopes.map((scope) => sql`${scope}`),
        sql`, `,
      )}]::text[], ${k.secretHash}, ${k.prefix}, ${k.lastFour},
             ${iso(k.expiresAt)}::timestamptz
      where (select count(*) from api_keys where user_id = ${k.userId} and team_id is null
             and revoked_at is null and (expires_at is null or expires_at > now())) < ${MAX_LIVE_API_KEYS}
    `),
    insertAuditIf(
      db,
      {
        actorId: k.userId,
        action: "api_key.created",
        targetType: "api_key",
        targetId: k.id,
        ip: k.ip,
        userAgent: k.userAgent,
        metadata: { name: k.name, scopes: k.scopes, expiresAt: iso(k.expiresAt) },
      },
      sql`select 1 from api_keys where id = ${k.id}`,
    ),
    db.select(apiKeyColumns).from(apiKeys).where(eq(apiKeys.id, k.id)),
  ]);
  return created;
}

/** A user's personal keys, newest first, revoked and expired ones included (the list shows their state). */
export function listApiKeys(db: Database, userId: string) {
  return db
    .select(apiKeyColumns)
    .from(apiKeys)
    .where(and(eq(apiKeys.userId, userId), isNull(apiKeys.teamId)))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
    .limit(100);
}

/** Revokes one of the user's live personal keys, audit-logged in the same statement; false when there is none. */
export async function revokeApiKey(db: Database, v: { id: string; userId: string } & Meta): Promise<boolean> {
  const result = await db.execute<{ id: string }>(sql`
    with revoked as (
      update api_keys set revoked_at = now()
      where id = ${v.id} and user_id = ${v.userId} and team_id is null and revoked_at is null
      returning id
    ),
    audited as (
      insert into audit_logs (actor_id, action, target_type, target_id, ip, user_agent, metadata)
      select ${v.userId}::uuid, 'api_key.revoked', 'api_key', revoked.id, ${v.ip ?? null}, ${v.userAgent ?? null},
             '{}'::jsonb
      from revoked
    )
    select id from revoked
  `);
  return result.rows.length > 0;
}

/**
 * Gives one of the user's live personal keys a new secret, audit-logged in the same statement: the
 * current one becomes the previous one, valid for API_KEY_ROTATION_GRACE_SECONDS (a secret
 * rotated out before is dropped). Undefined when there is no such live key.
 */
export async function rotateApiKey(
  db: Database,
  v: { id: string; userId: string; secretHash: string; lastFour: string } & Meta,
): Promise<ApiKeyView | undefined> {
  const [, [row]] = await db.batch([
    db.execute(sql`
      with rotated as (
        update api_keys set previous_secret_hash = secret_hash, secret_hash = ${v.secretHash},
          rotated_at = now(), last_four = ${v.lastFour}
        where id = ${v.id} and user_id = ${v.userId} and team_id is null and revoked_at is null
          and (expires_at is null or expires_at > now())
        returning id
      )
      insert into audit_logs (actor_id, action, target_type, target_id, ip, user_agent, metadata)
      select ${v.userId}::uuid, 'api_key.rotated', 'api_key', rotated.id, ${v.ip ?? null}, ${v.userAgent ?? null},
             ${JSON.stringify({ graceSeconds: API_KEY_ROTATION_GRACE_SECONDS })}::jsonb
      from rotated
    `),
    // Reads the row as the rotation left it: only if it was rotated just now by this statement's batch.
    db
      .select(apiKeyColumns)
      .from(apiKeys)
      .where(and(eq(apiKeys.id, v.id), eq(apiKeys.userId, v.userId), eq(apiKeys.secretHash, v.secretHash))),
  ]);
  return row;
}

/** What authenticating with a key needs to know, cached in Redis by the secret's hash. */
export interface ApiKeyFacts {
  keyId: string;
  /** The owner; for a team's key, its creator. */
  userId: string;
  /** The team whose key it is; null (or absent, in facts cached before team keys) for a personal key. */
  teamId?: string | null;
  scopes: string[];
  expiresAt: string | null;
  /** The owner's role and tier when looked up; the cache keeps them as long as an access token keeps its claims. */
  role: Role;
  tier: Tier;
  emailVerified: boolean;
}

/** For a team's key: its creator still manages the team (a SQL condition on api_keys' row). */
const creatorManagesTeam = sql`team_role(${apiKeys.teamId}, ${apiKeys.userId}) = any(${sql.raw(
  `array['${TEAM_MANAGER_ROLES.join("','")}']`,
)})`;

/**
 * The live key a secret's hash belongs to (the current secret, or the previous one within the
 * rotation grace), with its owner's role and tier; undefined for anything else (a team's key
 * whose creator no longer manages the team included). Run when the Redis cache of these facts
 * misses.
 */
export async function findLiveApiKey(db: Database, secretHash: string): Promise<ApiKeyFacts | undefined> {
  const [row] = await db
    .select({
      keyId: apiKeys.id,
      userId: apiKeys.userId,
      teamId: apiKeys.teamId,
      scopes: apiKeys.scopes,
      expiresAt: apiKeys.expiresAt,
      role: users.role,
      tier: users.tier,
      emailVerifiedAt: users.emailVerifiedAt,
    })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(
      and(
        or(
          eq(apiKeys.secretHash, secretHash),
          and(
            eq(apiKeys.previousSecretHash, secretHash),
            gt(apiKeys.rotatedAt, sql`now() - make_interval(secs => ${API_KEY_ROTATION_GRACE_SECONDS})`),
          ),
        ),
        live(),
        isNull(users.disabledAt),
        or(isNull(apiKeys.teamId), creatorManagesTeam),
      ),
    );
  if (!row) return undefined;
  const { emailVerifiedAt, expiresAt, ...facts } = row;
  return { ...facts, expiresAt: iso(expiresAt), emailVerified: emailVerifiedAt !== null };
}

/**
 * The statement that fails with SQLSTATE BL401 (assert_live_api_key, migrations 0014 and 0017)
 * unless the key is live for this secret and its owner (holding `role`, when given; for a
 * team's key, its creator still a manager of the team); it also records the use at most once a
 * minute. Sent ahead of a key-authenticated request's first statement.
 */
export function liveApiKeyAssertion(v: { keyId: string; secretHash: string; userId: string; role?: Role }) {
  return {
    query: "select assert_live_api_key($1, $2, $3, $4, $5)",
    params: [v.keyId, v.secretHash, v.userId, v.role ?? null, API_KEY_ROTATION_GRACE_SECONDS],
  };
}
