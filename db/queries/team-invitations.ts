import { sql } from "drizzle-orm";
import type { Database } from "../database";
import type { TeamKind, TeamRole } from "../enums";
import { auditFrom } from "./audit";
import { isTeamManager, teamRoleOf } from "./team-access";
import {
  type Decided,
  decided,
  MAX_TEAMS_PER_USER,
  MEMBER_COUNT,
  type Meta,
  metaOf,
  rolesOfKind,
  type TeamRefusal,
  type TeamRow,
  type TeamView,
  toTeamView,
} from "./teams";

/**
 * Invitations to a team by email. The link's secret is minted when the email is sent (the
 * outbox claim writes its hash here, db/queries/outbox.ts), so the database never holds a
 * working link; a resend clears the hash and queues a new email, so the old link dies at once.
 * Pending means neither accepted nor revoked; an expired pending invitation is still listed
 * (a resend gives it a new expiry) and still blocks a second invitation to the same address.
 */

/** How long an invitation (and each resend) stays valid. */
export const INVITATION_TTL_DAYS = 7;

/** The most pending invitations one list shows. */
const MAX_LISTED = 500;

/** Why an invitation action was refused. */
export type InvitationRefusal =
  | TeamRefusal
  | "already-member"
  | "invitation-pending"
  | "invitation-not-found";

/** Why accepting was refused: one answer for unknown, used, revoked and expired tokens. */
export type AcceptRefusal = "invitation-invalid" | "wrong-email" | "already-member" | "team-limit";

/** A pending invitation as managers see it. */
export interface InvitationView {
  id: string;
  email: string;
  role: TeamRole;
  invitedBy: { userId: string; displayName: string } | null;
  createdAt: Date;
  expiresAt: Date;
}

/** What the holder of a link sees before accepting it. */
export interface InvitationPreview {
  teamName: string;
  kind: TeamKind;
  role: TeamRole;
  email: string;
  invitedBy: string | null;
  expiresAt: Date;
}

type InvitationRow = {
  id: string;
  email: string;
  role: TeamRole;
  invited_by: string | null;
  inviter_name: string | null;
  created_at: string;
  expires_at: string;
};

type Outcome = { outcome: string | null; kind: TeamKind | null };

function toInvitationView(row: InvitationRow): InvitationView {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    invitedBy:
      row.invited_by && row.inviter_name !== null
        ? { userId: row.invited_by, displayName: row.inviter_name }
        : null,
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
  };
}

const TTL = sql`make_interval(days => ${INVITATION_TTL_DAYS})`;

/**
 * Invites an address to a team (managers; only owners invite owners; the role must be of the
 * team's kind), audit-logged, and queues the email (`template`) carrying the link, all in one
 * statement. Refused when the address belongs to a member or already has a pending invitation.
 */
export async function createInvitation(
  db: Database,
  v: {
    id: string;
    outboxId: string;
    template: string;
    teamId: string;
    userId: string;
    email: string;
    role: TeamRole;
  } & Meta,
): Promise<Decided<InvitationView, InvitationRefusal>> {
  const result = await db.execute<InvitationRow & Outcome>(sql`
    with inviter as (select id, display_name from users where id = ${v.userId}),
    verdict as (
      select t.kind, t.name as team_name,
        case
          when ${teamRoleOf(v.teamId, v.userId)} is null then 'team-not-found'
          when not ${isTeamManager(v.teamId, v.userId)} then 'manager-required'
          when not (${v.role}::text = any(${rolesOfKind(sql`t.kind`)})) then 'role-not-of-kind'
          when ${v.role}::text = 'owner' and ${teamRoleOf(v.teamId, v.userId)} <> 'owner' then 'owner-required'
          when exists (
            select 1 from team_members m join users u on u.id = m.user_id
            where m.team_id = t.id and u.email = ${v.email}
          ) then 'already-member'
          when exists (
            select 1 from team_invitations i
            where i.team_id = t.id and i.email = ${v.email} and i.accepted_at is null and i.revoked_at is null
          ) then 'invitation-pending'
          else 'ok'
        end as outcome
      from teams t where t.id = ${v.teamId}
    ),
    inv as (
      insert into team_invitations (id, team_id, email, role, invited_by, expires_at)
      select ${v.id}::uuid, ${v.teamId}::uuid, ${v.email}, ${v.role}, ${v.userId}::uuid, now() + ${TTL}
      from verdict where verdict.outcome = 'ok'
      returning id, email, role, invited_by, created_at, expires_at
    ),
    queued as (
      insert into email_outbox (id, user_id, "to", template, params, invitation_id)
      select ${v.outboxId}::uuid, null, inv.email, ${v.template},
        jsonb_build_object('inviterName', inviter.display_name, 'teamName', verdict.team_name, 'role', inv.role),
        inv.id
      from inv, verdict, inviter
    ),
    a as (
      ${auditFrom(
        db,
        {
          actorId: v.userId,
          action: "team.invitation_created",
          targetType: "team",
          targetId: v.teamId,
          metadata: { invitationId: v.id, email: v.email, role: v.role },
          ...metaOf(v),
        },
        sql`inv`,
      )}
    )
    select verdict.outcome, verdict.kind, inv.*, inviter.display_name as inviter_name
    from (select 1) one left join verdict on true left join inv on true left join inviter on true
  `);
  const row = result.rows[0];
  return decided<InvitationView, InvitationRefusal>(row, () => toInvitationView(row as InvitationRow));
}

/** A team's pending invitations, newest first (managers); `callerRole` null: not a member. */
export async function listInvitations(
  db: Database,
  v: { teamId: string; userId: string },
): Promise<{
  callerRole: TeamRole | null;
  isManager: boolean;
  kind: TeamKind | null;
  invitations: InvitationView[];
}> {
  const result = await db.execute<
    InvitationRow & { caller_role: TeamRole | null; is_manager: boolean; kind: TeamKind | null }
  >(sql`
    select caller.role as caller_role, coalesce(caller.manager, false) as is_manager, caller.kind, i.*
    from (
      select ${teamRoleOf(v.teamId, v.userId)} as role, ${isTeamManager(v.teamId, v.userId)} as manager,
        (select kind from teams where id = ${v.teamId}) as kind
    ) caller
    left join lateral (
      select i.id, i.email, i.role, i.invited_by, u.display_name as inviter_name, i.created_at, i.expires_at
      from team_invitations i left join users u on u.id = i.invited_by
      where caller.manager and i.team_id = ${v.teamId} and i.accepted_at is null and i.revoked_at is null
      order by i.created_at desc, i.id desc
      limit ${MAX_LISTED}
    ) i on true
  `);
  const first = result.rows[0];
  return {
    callerRole: first?.caller_role ?? null,
    isManager: first?.is_manager ?? false,
    kind: first?.kind ?? null,
    invitations: result.rows.filter((row) => row.id !== null).map(toInvitationView),
  };
}

/**
 * The verdict on acting on one pending invitation of the team (managers; only owners touch
 * invitations to the owner role), as the first CTEs of a statement: `verdict` (one row when
 * the team exists) and `pending` (the invitation, when it is pending).
 */
function invitationVerdict(v: { teamId: string; userId: string; invitationId: string }) {
  return sql`
    pending as (
      select id, email, role from team_invitations
      where id = ${v.invitationId} and team_id = ${v.teamId} and accepted_at is null and revoked_at is null
    ),
    verdict as (
      select t.kind, t.name as team_name,
        case
          when ${teamRoleOf(v.teamId, v.userId)} is null then 'team-not-found'
          when not ${isTeamManager(v.teamId, v.userId)} then 'manager-required'
          when not exists (select 1 from pending) then 'invitation-not-found'
          when (select role from pending) = 'owner' and ${teamRoleOf(v.teamId, v.userId)} <> 'owner'
            then 'owner-required'
          else 'ok'
        end as outcome
      from teams t where t.id = ${v.teamId}
    )
  `;
}

/** Revokes a pending invitation (managers), audit-logged: its link, sent or queued, is dead at once. */
export async function revokeInvitation(
  db: Database,
  v: { teamId: string; userId: string; invitationId: string } & Meta,
): Promise<Decided<true, InvitationRefusal>> {
  const result = await db.execute<Outcome>(sql`
    with ${invitationVerdict(v)},
    revoked as (
      update team_invitations i set revoked_at = now(), token_hash = null
      from verdict, pending where verdict.outcome = 'ok' and i.id = pending.id
      returning i.id, i.email, i.role
    ),
    a as (
      ${auditFrom(
        db,
        {
          actorId: v.userId,
          action: "team.invitation_revoked",
          targetType: "team",
          targetId: v.teamId,
          metadata: sql`jsonb_build_object('invitationId', revoked.id, 'email', revoked.email, 'role', revoked.role)`,
          ...metaOf(v),
        },
        sql`revoked`,
      )}
    )
    select verdict.outcome, verdict.kind from (select 1) one left join verdict on true
  `);
  return decided<true, InvitationRefusal>(result.rows[0], () => true as const);
}

/**
 * Sends a pending invitation again (managers), audit-logged: a new expiry, the old link's
 * hash cleared (it stops working at once), earlier emails still queued dropped, and a new
 * email queued whose link is minted when it is sent.
 */
export async function resendInvitation(
  db: Database,
  v: { teamId: string; userId: string; invitationId: string; outboxId: string; template: string } & Meta,
): Promise<Decided<true, InvitationRefusal>> {
  const result = await db.execute<Outcome>(sql`
    with ${invitationVerdict(v)},
    inviter as (select display_name from users where id = ${v.userId}),
    renewed as (
      update team_invitations i set token_hash = null, expires_at = now() + ${TTL}
      from verdict, pending where verdict.outcome = 'ok' and i.id = pending.id
      returning i.id, i.email, i.role
    ),
    unsent as (
      delete from email_outbox o using renewed where o.invitation_id = renewed.id and o.sent_at is null
    ),
    queued as (
      insert into email_outbox (id, user_id, "to", template, params, invitation_id)
      select ${v.outboxId}::uuid, null, renewed.email, ${v.template},
        jsonb_build_object('inviterName', inviter.display_name, 'teamName', verdict.team_name, 'role', renewed.role),
        renewed.id
      from renewed, verdict, inviter
    ),
    a as (
      ${auditFrom(
        db,
        {
          actorId: v.userId,
          action: "team.invitation_resent",
          targetType: "team",
          targetId: v.teamId,
          metadata: sql`jsonb_build_object('invitationId', renewed.id, 'email', renewed.email, 'role', renewed.role)`,
          ...metaOf(v),
        },
        sql`renewed`,
      )}
    )
    select verdict.outcome, verdict.kind from (select 1) one left join verdict on true
  `);
  return decided<true, InvitationRefusal>(result.rows[0], () => true as const);
}

/** What a live link (pending, unexpired) invites to; undefined for any other token. */
export async function previewInvitation(
  db: Database,
  tokenHash: string,
): Promise<InvitationPreview | undefined> {
  const result = await db.execute<{
    team_name: string;
    kind: TeamKind;
    role: TeamRole;
    email: string;
    inviter_name: string | null;
    expires_at: string;
  }>(sql`
    select t.name as team_name, t.kind, i.role, i.email, u.display_name as inviter_name, i.expires_at
    from team_invitations i
    join teams t on t.id = i.team_id
    left join users u on u.id = i.invited_by
    where i.token_hash = ${tokenHash} and i.accepted_at is null and i.revoked_at is null and i.expires_at > now()
  `);
  const row = result.rows[0];
  if (!row) return undefined;
  return {
    teamName: row.team_name,
    kind: row.kind,
    role: row.role,
    email: row.email,
    invitedBy: row.inviter_name,
    expiresAt: new Date(row.expires_at),
  };
}

/**
 * Accepts an invitation with its link's token, in one statement: the invitation must be
 * pending and unexpired and addressed to the caller's email; it is marked accepted (single
 * use: a concurrent second accept finds it accepted and is refused), the caller joins with
 * its role, their address counts as verified (the link proved it), audit-logged. Returns the
 * team as the caller now sees it.
 */
export async function acceptInvitation(
  db: Database,
  v: { tokenHash: string; userId: string } & Meta,
): Promise<Decided<TeamView, AcceptRefusal>> {
  const result = await db.execute<TeamRow & { outcome: string }>(sql`
    with inv as (
      select i.id, i.team_id, i.role, i.email from team_invitations i
      where i.token_hash = ${v.tokenHash} and i.accepted_at is null and i.revoked_at is null
        and i.expires_at > now()
    ),
    verdict as (
      select inv.*, u.email_verified_at is null as unverified,
        case
          when u.email <> inv.email then 'wrong-email'
          when exists (select 1 from team_members where team_id = inv.team_id and user_id = u.id)
            then 'already-member'
          when (select count(*) from team_members where user_id = u.id) >= ${MAX_TEAMS_PER_USER} then 'team-limit'
          else 'ok'
        end as outcome
      from inv join users u on u.id = ${v.userId}
    ),
    accepted as (
      update team_invitations i set accepted_at = now(), accepted_by = ${v.userId}, token_hash = null
      from verdict
      where verdict.outcome = 'ok' and i.id = verdict.id and i.accepted_at is null and i.revoked_at is null
      returning i.id, i.team_id, i.role
    ),
    joined as (
      insert into team_members (team_id, user_id, role)
      select team_id, ${v.userId}, role from accepted
      returning team_id, role
    ),
    verified as (
      update users set email_verified_at = now(), updated_at = now()
      where id = ${v.userId} and email_verified_at is null and exists (select 1 from joined)
    ),
    a as (
      ${auditFrom(
        db,
        {
          actorId: v.userId,
          action: "team.invitation_accepted",
          targetType: "team",
          targetId: sql`accepted.team_id::text`,
          metadata: sql`jsonb_build_object('invitationId', accepted.id, 'role', accepted.role,
            'emailVerified', verdict.unverified)`,
          ...metaOf(v),
        },
        sql`accepted, verdict`,
      )}
    )
    select
      case
        when verdict.outcome is null then 'invitation-invalid'
        -- A concurrent accept of the same link committed first.
        when verdict.outcome = 'ok' and joined.team_id is null then 'invitation-invalid'
        else verdict.outcome
      end as outcome,
      t.id, t.name, t.kind, joined.role, t.created_at,
      -- The statement's snapshot does not hold the member it just added.
      ${MEMBER_COUNT} + 1 as member_count
    from (select 1) one
    left join verdict on true
    left join joined on true
    left join teams t on t.id = joined.team_id
  `);
  const row = result.rows[0];
  return decided<TeamView, AcceptRefusal>(row, () => toTeamView(row as TeamRow));
}
