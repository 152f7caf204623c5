/**
 * The value lists the tables constrain columns to. Imports nothing, so request schemas
 * (shared/schemas) and the browser SDK can use them without bundling drizzle.
 */

export const ROLES = ["user", "teacher", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const TIERS = ["free", "premium"] as const;
export type Tier = (typeof TIERS)[number];

export const DIFFICULTIES = ["beginner", "intermediate", "advanced"] as const;
export type Difficulty = (typeof DIFFICULTIES)[number];

export const WEBHOOK_STATUSES = ["processing", "processed", "ignored", "failed"] as const;
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];

/** A team works together; a class has a teacher (or several) and students. */
export const TEAM_KINDS = ["team", "class"] as const;
export type TeamKind = (typeof TEAM_KINDS)[number];

/** Every role a membership can hold; which ones a team offers depends on its kind. */
export const TEAM_ROLES = ["owner", "admin", "member", "teacher", "student"] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];

/** The roles of each kind, strongest first. A class's owner teaches it too. */
export const TEAM_ROLES_BY_KIND = {
  team: ["owner", "admin", "member"],
  class: ["owner", "teacher", "student"],
} as const satisfies Record<TeamKind, readonly TeamRole[]>;

/**
 * The roles that run a team: they invite and manage members, write every team pattern, and (in
 * a class) see each student's progress. Only an owner grants or removes ownership.
 */
export const TEAM_MANAGER_ROLES = ["owner", "admin", "teacher"] as const satisfies readonly TeamRole[];
