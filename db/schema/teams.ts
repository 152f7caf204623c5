import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { TEAM_KINDS, TEAM_ROLES } from "../enums";
import { lessons } from "./lessons";
import { users } from "./users";

export { TEAM_KINDS, TEAM_ROLES, TEAM_ROLES_BY_KIND, type TeamKind, type TeamRole } from "../enums";

/**
 * Teams and classes. A team's patterns take their change sequence numbers from
 * `patternSeq` (as a user's personal patterns take theirs from `users.pattern_seq`), so
 * members sync a team's patterns with the same delta cursor.
 */
export const teams = pgTable(
  "teams",
  {
    id: uuid().primaryKey().defaultRandom(),
    name: text().notNull(),
    kind: text({ enum: TEAM_KINDS }).notNull(),
    /** Who made it (kept for the record; ownership lives in `team_members`). */
    createdBy: uuid().references(() => users.id, { onDelete: "set null" }),
    patternSeq: bigint({ mode: "number" }).notNull().default(0),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check("teams_kind_check", sql`${t.kind} in ('team', 'class')`)],
);

/**
 * Who belongs to a team, and as what. The roles a row may hold depend on the team's kind
 * (TEAM_ROLES_BY_KIND); the routes keep at least one owner per team.
 */
export const teamMembers = pgTable(
  "team_members",
  {
    teamId: uuid()
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text({ enum: TEAM_ROLES }).notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "team_members_pk", columns: [t.teamId, t.userId] }),
    index("team_members_user_idx").on(t.userId),
    check("team_members_role_check", sql`${t.role} in ('owner', 'admin', 'member', 'teacher', 'student')`),
  ],
);

/**
 * Invitations by email. The token's secret is minted when the email goes out (the outbox
 * keeps no secret) and only its hash is kept here; a resend mints a new one, which replaces
 * the old. One pending invitation per team and address.
 */
export const teamInvitations = pgTable(
  "team_invitations",
  {
    id: uuid().primaryKey().defaultRandom(),
    teamId: uuid()
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    /** Trimmed and lowercased, as `users.email`. */
    email: text().notNull(),
    role: text({ enum: TEAM_ROLES }).notNull(),
    tokenHash: text(),
    invitedBy: uuid().references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    acceptedAt: timestamp({ withTimezone: true }),
    acceptedBy: uuid().references(() => users.id, { onDelete: "set null" }),
    revokedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex("team_invitations_hash_unique").on(t.tokenHash),
    uniqueIndex("team_invitations_pending_unique")
      .on(t.teamId, t.email)
      .where(sql`accepted_at is null and revoked_at is null`),
    index("team_invitations_team_idx").on(t.teamId, t.createdAt),
    check(
      "team_invitations_role_check",
      sql`${t.role} in ('owner', 'admin', 'member', 'teacher', 'student')`,
    ),
  ],
);

/** The lessons a class works on, in the teacher's order. */
export const classLessons = pgTable(
  "class_lessons",
  {
    teamId: uuid()
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    lessonId: text()
      .notNull()
      .references(() => lessons.id, { onDelete: "cascade" }),
    position: integer().notNull().default(0),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: "class_lessons_pk", columns: [t.teamId, t.lessonId] })],
);

export type Team = typeof teams.$inferSelect;
export type TeamMember = typeof teamMembers.$inferSelect;
export type TeamInvitation = typeof teamInvitations.$inferSelect;
export type ClassLesson = typeof classLessons.$inferSelect;
