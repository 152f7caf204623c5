/**
 * Classes, memberships and lesson progress made with direct SQL, for suites that need a class
 * without going through the teams routes (the class suites test their own routes only).
 */
import { sql } from "drizzle-orm";
import type { TeamKind, TeamRole } from "../../db/enums";
import { createDb } from "../../shared/clients";
import { loadConfig } from "../../shared/config";
import type { TestBindings } from "./harness";

function db(bindings: TestBindings) {
  return createDb(loadConfig(bindings));
}

/** Adds one membership; `joinedAt` pins the order students are paged in. */
export async function addMember(
  bindings: TestBindings,
  teamId: string,
  userId: string,
  role: TeamRole,
  joinedAt?: Date,
): Promise<void> {
  await db(bindings).execute(sql`
    insert into team_members (team_id, user_id, role, created_at)
    values (${teamId}::uuid, ${userId}::uuid, ${role}, coalesce(${joinedAt?.toISOString() ?? null}::timestamptz, now()))
  `);
}

/** A team of `kind` with its members by role; returns its id. */
export async function createTeam(
  bindings: TestBindings,
  kind: TeamKind,
  members: { owner: string; others?: [userId: string, role: TeamRole][] },
): Promise<string> {
  const result = await db(bindings).execute<{ id: string }>(sql`
    insert into teams (name, kind, created_by) values (${`${kind} ${crypto.randomUUID().slice(0, 6)}`}, ${kind}, ${members.owner}::uuid)
    returning id
  `);
  const id = result.rows[0]?.id as string;
  await addMember(bindings, id, members.owner, "owner");
  for (const [userId, role] of members.others ?? []) await addMember(bindings, id, userId, role);
  return id;
}

/** A class with an owner, teachers and students (user ids); returns its id. */
export async function createClass(
  bindings: TestBindings,
  m: { owner: string; teachers?: string[]; students?: string[] },
): Promise<string> {
  return createTeam(bindings, "class", {
    owner: m.owner,
    others: [
      ...(m.teachers ?? []).map((id): [string, TeamRole] => [id, "teacher"]),
      ...(m.students ?? []).map((id): [string, TeamRole] => [id, "student"]),
    ],
  });
}

/** Accounts made straight in the database (they never sign in): fast enough for a roster. */
export async function insertUsers(bindings: TestBindings, displayNames: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const name of displayNames) {
    const result = await db(bindings).execute<{ id: string }>(sql`
      insert into users (email, password_hash, display_name)
      values (${`${crypto.randomUUID()}@example.com`}, 'not-a-hash', ${name})
      returning id
    `);
    ids.push(result.rows[0]?.id as string);
  }
  return ids;
}

/** Lists lessons in a class, in this order. */
export async function listLessonsInClass(bindings: TestBindings, teamId: string, lessonIds: string[]) {
  for (const [position, lessonId] of lessonIds.entries()) {
    await db(bindings).execute(sql`
      insert into class_lessons (team_id, lesson_id, position) values (${teamId}::uuid, ${lessonId}, ${position})
    `);
  }
}

/** A user's record on a lesson, as lesson_progress keeps it. */
export async function insertProgress(
  bindings: TestBindings,
  p: { userId: string; lessonId: string; bestScore: number; attempts?: number; completedAt?: Date },
): Promise<void> {
  await db(bindings).execute(sql`
    insert into lesson_progress (user_id, lesson_id, completed, score, best_score, attempts, completed_at)
    values (${p.userId}::uuid, ${p.lessonId}, ${p.completedAt !== undefined}, ${p.bestScore}, ${p.bestScore},
      ${p.attempts ?? 1}, ${p.completedAt?.toISOString() ?? null}::timestamptz)
  `);
}

/** Sets a user's tier (their access token keeps the old one until refreshed). */
export async function setTier(
  bindings: TestBindings,
  userId: string,
  tier: "free" | "premium",
): Promise<void> {
  await db(bindings).execute(sql`update users set tier = ${tier} where id = ${userId}::uuid`);
}
