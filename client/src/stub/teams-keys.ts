/**
 * Stub team API keys (the team-keys routes under /api/teams/:id/api-keys): managers make, list,
 * revoke and rotate a team's keys, with team scopes only; the secret is shown once. The keys have
 * the real format but call nothing.
 */
import { newApiKeyId, newApiKeySecret } from "../../../shared/auth/api-key-format";
import { validationProblem } from "../errors";
import { TEAM_API_KEY_SCOPES, type TeamApiKey, type TeamBackend } from "../teams-types";
import { stubProblems as p } from "./problems";
import { managedTeam, type StoredTeamKey, teamTables, type WithTeams } from "./teams-store";
import type { StubWorld } from "./world";

/** As the user keys: a cap of live keys, and the old secret's grace after a rotation. */
const MAX_LIVE_KEYS = 20;
const GRACE_MS = 24 * 3600_000;

const toDto = (key: StoredTeamKey): TeamApiKey => ({ ...key });
const isLive = (k: StoredTeamKey) =>
  k.revokedAt === null && (k.expiresAt === null || Date.parse(k.expiresAt) > Date.now());

function validateCreate(body: { name?: unknown; scopes?: unknown; expiresAt?: unknown }, instance: string) {
  const errors: { path: string; message: string }[] = [];
  const name = typeof body.name === "string" ? body.name.trim() : "";
  if (name.length < 1 || name.length > 100)
    errors.push({ path: "name", message: "must be 1 to 100 characters" });
  const scopes: unknown[] = Array.isArray(body.scopes) ? body.scopes : [];
  if (scopes.length === 0) errors.push({ path: "scopes", message: "must list at least one scope" });
  scopes.forEach((scope, i) => {
    if (!(TEAM_API_KEY_SCOPES as readonly unknown[]).includes(scope))
      errors.push({ path: `scopes.${i}`, message: `must be one of ${TEAM_API_KEY_SCOPES.join(", ")}` });
  });
  if (new Set(scopes).size !== scopes.length) errors.push({ path: "scopes", message: "lists a scope twice" });
  const expiresAt = typeof body.expiresAt === "string" ? body.expiresAt : null;
  if (expiresAt !== null && !(Date.parse(expiresAt) > Date.now()))
    errors.push({ path: "expiresAt", message: "is in the past" });
  if (errors.length > 0) throw validationProblem(errors, instance);
  return {
    name,
    scopes: scopes as TeamApiKey["scopes"],
    expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString(),
  };
}

type KeyCalls = "listTeamApiKeys" | "createTeamApiKey" | "revokeTeamApiKey" | "rotateTeamApiKey";

export function stubTeamKeys(world: StubWorld): Pick<TeamBackend, KeyCalls> {
  const keyOf = (db: WithTeams, id: string, keyId: string, instance: string) => {
    const key = teamTables(db).apiKeys[keyId];
    if (!key || key.teamId !== id || !isLive(key))
      throw p.notFound("No live API key of this team has this id.", instance);
    return key;
  };
  return {
    async listTeamApiKeys(id) {
      const instance = `/api/teams/${id}/api-keys`;
      const db: WithTeams = await world.read();
      managedTeam(db, id, world.viewer(db, instance), instance);
      return Object.values(teamTables(db).apiKeys)
        .filter((k) => k.teamId === id)
        .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))
        .map(toDto);
    },
    createTeamApiKey(id, body) {
      const instance = `/api/teams/${id}/api-keys`;
      return world.tx((db: WithTeams) => {
        const user = world.viewer(db, instance);
        managedTeam(db, id, user, instance);
        const input = validateCreate(body ?? {}, instance);
        const keys = teamTables(db).apiKeys;
        if (Object.values(keys).filter((k) => k.teamId === id && isLive(k)).length >= MAX_LIVE_KEYS)
          throw p.conflict("Revoke a key this team no longer uses before creating another.", instance);
        const keyId = newApiKeyId();
        const secret = newApiKeySecret("bk_test_", keyId);
        const key: StoredTeamKey = {
          id: keyId,
          teamId: id,
          createdBy: user.id,
          name: input.name,
          prefix: "bk_test_",
          lastFour: secret.slice(-4),
          scopes: input.scopes,
          createdAt: new Date().toISOString(),
          expiresAt: input.expiresAt,
          lastUsedAt: null,
          rotatedAt: null,
          revokedAt: null,
        };
        keys[keyId] = key;
        return { ...toDto(key), secret };
      });
    },
    async revokeTeamApiKey(id, keyId) {
      const instance = `/api/teams/${id}/api-keys/${keyId}`;
      await world.tx((db: WithTeams) => {
        managedTeam(db, id, world.viewer(db, instance), instance);
        keyOf(db, id, keyId, instance).revokedAt = new Date().toISOString();
      });
    },
    rotateTeamApiKey(id, keyId) {
      const instance = `/api/teams/${id}/api-keys/${keyId}/rotate`;
      return world.tx((db: WithTeams) => {
        managedTeam(db, id, world.viewer(db, instance), instance);
        const key = keyOf(db, id, keyId, instance);
        const secret = newApiKeySecret("bk_test_", keyId);
        const now = Date.now();
        key.rotatedAt = new Date(now).toISOString();
        key.lastFour = secret.slice(-4);
        return { ...toDto(key), secret, previousSecretValidUntil: new Date(now + GRACE_MS).toISOString() };
      });
    },
  };
}
