/**
 * Teams and classes (issue #17): the API's shapes (the teams contract) and the `backline.teams`
 * namespace. Typed by hand until `npm run client:types` regenerates api.d.ts from a server that
 * has the team routes; the shapes below are the contract's, so the generated ones replace them 1:1.
 */
import type { components } from "./api";

type Schemas = components["schemas"];
type ApiKey = Schemas["ApiKey"];
type Lesson = Schemas["Lesson"];

/** A page of a list: `limit` 1–100 (default 50), `cursor` the `nextCursor` of the previous page. */
export interface TeamPageOptions {
  limit?: number;
  cursor?: string;
}

/** A team works together; a class has teachers and students (db/enums.ts TEAM_KINDS). */
export type TeamKind = "team" | "class";
/** Every role a membership can hold; which ones a team offers depends on its kind. */
export type TeamRole = "owner" | "admin" | "member" | "teacher" | "student";

/** The roles of each kind, strongest first (db/enums.ts TEAM_ROLES_BY_KIND). A class's owner teaches too. */
export const TEAM_ROLES_BY_KIND = {
  team: ["owner", "admin", "member"],
  class: ["owner", "teacher", "student"],
} as const satisfies Record<TeamKind, readonly TeamRole[]>;

/** The roles that run a team: invite, manage members, write every team pattern, see class progress. */
export const TEAM_MANAGER_ROLES = ["owner", "admin", "teacher"] as const satisfies readonly TeamRole[];

/** The scopes a team's API key may carry. */
export const TEAM_API_KEY_SCOPES = ["patterns:read", "patterns:write", "progress:read"] as const;
export type TeamApiKeyScope = (typeof TEAM_API_KEY_SCOPES)[number];

/** A team as its member sees it; `role` is the caller's. */
export interface Team {
  id: string;
  name: string;
  kind: TeamKind;
  role: TeamRole;
  memberCount: number;
  createdAt: string;
}

/** A member; `email` is shown to the team's managers only (null for everyone else). */
export interface TeamMember {
  userId: string;
  displayName: string;
  email: string | null;
  role: TeamRole;
  joinedAt: string;
}
export interface TeamMemberPage {
  members: TeamMember[];
  nextCursor: string | null;
}

/** A pending invitation (7 days; a resend mints a new link and a new expiry). */
export interface TeamInvitation {
  id: string;
  email: string;
  role: TeamRole;
  invitedBy: { userId: string; displayName: string };
  createdAt: string;
  expiresAt: string;
}

/** What an emailed invitation link shows before anyone signs in. */
export interface InvitationPreview {
  teamName: string;
  kind: TeamKind;
  role: TeamRole;
  /** The address invited: only an account with this address can accept. */
  email: string;
  /** The inviter's display name. */
  invitedBy: string;
  expiresAt: string;
}

/** A lesson a class works on, in the teacher's order. */
export interface ClassLesson {
  id: string;
  title: string;
  category: string;
  difficulty: "beginner" | "intermediate" | "advanced";
  isPremium: boolean;
  position: number;
}

/** One student's standing on one lesson of the class. */
export interface ClassLessonProgress {
  completed: boolean;
  bestScore: number;
  attempts: number;
  completedAt: string | null;
}
/** A row of the class's table: a student and their progress by lesson id (lessons not tried are absent). */
export interface ClassStudentProgress {
  userId: string;
  displayName: string;
  progress: Record<string, ClassLessonProgress>;
}
/** One page of the class's table, by student; a student gets only their own row. */
export interface ClassProgressPage {
  lessons: { id: string; title: string }[];
  students: ClassStudentProgress[];
  nextCursor: string | null;
}

/** How many students' best scores fall in [from, to] (10 buckets: 0–9 … 90–100). */
export interface ScoreBucket {
  from: number;
  to: number;
  count: number;
}
export interface ClassLessonSummary {
  lessonId: string;
  title: string;
  /** Students in the class. */
  students: number;
  /** Students with at least one attempt. */
  attempted: number;
  completed: number;
  bestScores: ScoreBucket[];
}
export interface ClassSummary {
  lessons: ClassLessonSummary[];
}

/** A team's API key: a user key's shape with the team's id and team scopes. */
export type TeamApiKey = Omit<ApiKey, "scopes"> & {
  teamId: string;
  /** The manager who made it: the key works only while they manage the team. */
  createdBy: string;
  scopes: TeamApiKeyScope[];
};
export type TeamApiKeyWithSecret = TeamApiKey & { secret: string };
export type RotatedTeamApiKey = TeamApiKeyWithSecret & { previousSecretValidUntil: string };
export interface CreateTeamApiKeyInput {
  name: string;
  scopes: TeamApiKeyScope[];
  /** ISO date-time; absent or null: never expires. */
  expiresAt?: string | null;
}

/**
 * `backline.teams`: teams and classes, members, invitations, class progress and team API keys
 * (a team's patterns: `backline.dataSync.team(id)`).
 */
export interface TeamsService {
  /** The caller's teams, newest first. */
  list(): Promise<Team[]>;
  /** The caller becomes its owner. */
  create(input: { name: string; kind: TeamKind }): Promise<Team>;
  get(id: string): Promise<Team>;
  /** Managers. */
  rename(id: string, name: string): Promise<Team>;
  /** The owner; members, invitations, team patterns and keys go with it. */
  remove(id: string): Promise<void>;
  members(id: string, options?: TeamPageOptions): Promise<TeamMemberPage>;
  /** Managers; only an owner grants or takes away `owner`; the last owner stays (409 `last-owner`). */
  setRole(id: string, userId: string, role: TeamRole): Promise<TeamMember>;
  removeMember(id: string, userId: string): Promise<void>;
  leave(id: string): Promise<void>;
  /** The owner hands ownership to a member and becomes admin (team) or teacher (class). */
  transfer(id: string, userId: string): Promise<Team>;
  /** Managers; the address gets an email with a `/join?token=…` link. */
  invite(id: string, input: { email: string; role: TeamRole }): Promise<TeamInvitation>;
  /** Pending invitations. */
  invitations(id: string): Promise<TeamInvitation[]>;
  revokeInvitation(id: string, invitationId: string): Promise<void>;
  /** A new email with a new link (the old link stops working) and a new expiry. */
  resendInvitation(id: string, invitationId: string): Promise<void>;
  /** What the link's token invites to (no sign-in needed); 404 `invitation-invalid` otherwise. */
  previewInvitation(token: string): Promise<InvitationPreview>;
  /** Joins the team; the signed-in account's email must be the invited one. */
  acceptInvitation(token: string): Promise<{ team: Team }>;
  /** A class's lessons. */
  lessons(id: string): Promise<ClassLesson[]>;
  /** Replaces a class's lessons (managers), in this order. */
  setLessons(id: string, lessonIds: string[]): Promise<ClassLesson[]>;
  /** A lesson of the class, config included; premium lessons open when an owner of the class is premium. */
  lesson(id: string, lessonId: string): Promise<Lesson>;
  /** The class's table, a page of students; a student gets only their own row. */
  progress(id: string, options?: TeamPageOptions): Promise<ClassProgressPage>;
  /** Per lesson: students, attempted, completed and the best-score histogram (managers). */
  progressSummary(id: string): Promise<ClassSummary>;
  apiKeys(id: string): Promise<TeamApiKey[]>;
  createApiKey(id: string, input: CreateTeamApiKeyInput): Promise<TeamApiKeyWithSecret>;
  revokeApiKey(id: string, keyId: string): Promise<void>;
  rotateApiKey(id: string, keyId: string): Promise<RotatedTeamApiKey>;
}

/** The backend calls behind `backline.teams` (part of `Backend`). */
export interface TeamBackend {
  listTeams(): Promise<Team[]>;
  createTeam(body: { name: string; kind: TeamKind }): Promise<Team>;
  getTeam(id: string): Promise<Team>;
  renameTeam(id: string, name: string): Promise<Team>;
  deleteTeam(id: string): Promise<void>;
  listTeamMembers(id: string, query: TeamPageOptions): Promise<TeamMemberPage>;
  setTeamMemberRole(id: string, userId: string, role: TeamRole): Promise<TeamMember>;
  /** `userId` "me": leave. */
  removeTeamMember(id: string, userId: string): Promise<void>;
  transferTeam(id: string, userId: string): Promise<Team>;
  inviteToTeam(id: string, body: { email: string; role: TeamRole }): Promise<TeamInvitation>;
  listTeamInvitations(id: string): Promise<TeamInvitation[]>;
  revokeTeamInvitation(id: string, invitationId: string): Promise<void>;
  resendTeamInvitation(id: string, invitationId: string): Promise<void>;
  previewInvitation(token: string): Promise<InvitationPreview>;
  acceptInvitation(token: string): Promise<{ team: Team }>;
  listClassLessons(id: string): Promise<ClassLesson[]>;
  setClassLessons(id: string, lessonIds: string[]): Promise<ClassLesson[]>;
  getClassLesson(id: string, lessonId: string): Promise<Lesson>;
  classProgress(id: string, query: TeamPageOptions): Promise<ClassProgressPage>;
  classProgressSummary(id: string): Promise<ClassSummary>;
  listTeamApiKeys(id: string): Promise<TeamApiKey[]>;
  createTeamApiKey(id: string, body: CreateTeamApiKeyInput): Promise<TeamApiKeyWithSecret>;
  revokeTeamApiKey(id: string, keyId: string): Promise<void>;
  rotateTeamApiKey(id: string, keyId: string): Promise<RotatedTeamApiKey>;
}
