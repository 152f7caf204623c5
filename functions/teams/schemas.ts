import { z } from "@hono/zod-openapi";
import { TEAM_KINDS, TEAM_ROLES } from "../../db/enums";
import type { InvitationView } from "../../db/queries/team-invitations";
import type { MemberView, TeamView } from "../../db/queries/teams";
import { EmailSchema } from "../../shared/schemas/auth";
import { pageQuery } from "../../shared/schemas/page";

/** Request and response shapes of the teams and invitations routes. */

const TeamName = z.string().trim().min(1, "must not be empty").max(80, "must be at most 80 characters");

export const TeamIdParam = z.object({ id: z.uuid() });

export const MemberParams = z.object({ id: z.uuid(), userId: z.uuid() });

/** `me` is the caller: DELETE …/members/me leaves the team. */
export const RemoveMemberParams = z.object({
  id: z.uuid(),
  userId: z
    .union([z.literal("me"), z.uuid()])
    .openapi({ description: "A member's user id, or `me` to leave" }),
});

export const InvitationParams = z.object({ id: z.uuid(), invitationId: z.uuid() });

export const CreateTeamBody = z
  .object({ name: TeamName, kind: z.enum(TEAM_KINDS) })
  .strict()
  .openapi("CreateTeam");

export const RenameTeamBody = z.object({ name: TeamName }).strict().openapi("RenameTeam");

export const ChangeRoleBody = z
  .object({ role: z.enum(TEAM_ROLES).openapi({ description: "One of the team's kind" }) })
  .strict()
  .openapi("ChangeMemberRole");

export const TransferBody = z.object({ userId: z.uuid() }).strict().openapi("TransferTeam");

export const InviteBody = z
  .object({ email: EmailSchema, role: z.enum(TEAM_ROLES).openapi({ description: "One of the team's kind" }) })
  .strict()
  .openapi("CreateInvitation");

/** A link's secret: 32 random bytes, base64url. */
export const TokenBody = z
  .object({ token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, "is not an invitation token") })
  .strict()
  .openapi("InvitationToken");

export const MembersQuery = pageQuery(z.uuid());

export const TeamSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    kind: z.enum(TEAM_KINDS),
    role: z.enum(TEAM_ROLES).openapi({ description: "Your role in it" }),
    memberCount: z.number().int(),
    createdAt: z.iso.datetime(),
  })
  .openapi("Team");

export const MemberSchema = z
  .object({
    userId: z.uuid(),
    displayName: z.string(),
    email: z.string().nullable().openapi({ description: "Shown to the team's managers only" }),
    role: z.enum(TEAM_ROLES),
    joinedAt: z.iso.datetime(),
  })
  .openapi("TeamMember");

export const InvitationSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    role: z.enum(TEAM_ROLES),
    invitedBy: z
      .object({ userId: z.uuid(), displayName: z.string() })
      .nullable()
      .openapi({ description: "Null once that account is deleted" }),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime().openapi({ description: "A pending invitation may have expired: resend it" }),
  })
  .openapi("TeamInvitation");

export const InvitationPreviewSchema = z
  .object({
    teamName: z.string(),
    kind: z.enum(TEAM_KINDS),
    role: z.enum(TEAM_ROLES),
    email: z.string().openapi({ description: "The address invited: accepting needs an account with it" }),
    invitedBy: z.string().nullable().openapi({ description: "The sender's display name" }),
    expiresAt: z.iso.datetime(),
  })
  .openapi("InvitationPreview");

export function toTeamDto(t: TeamView) {
  return {
    id: t.id,
    name: t.name,
    kind: t.kind,
    role: t.role,
    memberCount: t.memberCount,
    createdAt: t.createdAt.toISOString(),
  };
}

export function toMemberDto(m: MemberView) {
  return {
    userId: m.userId,
    displayName: m.displayName,
    email: m.email,
    role: m.role,
    joinedAt: m.joinedAt.toISOString(),
  };
}

export function toInvitationDto(i: InvitationView) {
  return {
    id: i.id,
    email: i.email,
    role: i.role,
    invitedBy: i.invitedBy,
    createdAt: i.createdAt.toISOString(),
    expiresAt: i.expiresAt.toISOString(),
  };
}
