/**
 * The real API's team calls (the teams contract: functions/teams, functions/invitations,
 * functions/classes and the team API key routes). Sent untyped until api.d.ts is regenerated
 * from a server with these routes; teams-types.ts gives the shapes.
 */
import type {
  ClassLesson,
  ClassProgressPage,
  ClassSummary,
  InvitationPreview,
  RotatedTeamApiKey,
  Team,
  TeamApiKey,
  TeamApiKeyWithSecret,
  TeamBackend,
  TeamInvitation,
  TeamMember,
  TeamMemberPage,
} from "../teams-types";
import type { Lesson } from "../types";
import type { Transport } from "./transport";

export function httpTeams(api: Transport): TeamBackend {
  const team = (id: string, more: Record<string, string> = {}) => ({ params: { id, ...more } });
  return {
    listTeams: async () => ((await api.send("get", "/api/teams")) as { teams: Team[] }).teams,
    createTeam: async (body) => (await api.send("post", "/api/teams", { body })) as Team,
    getTeam: async (id) => (await api.send("get", "/api/teams/{id}", team(id))) as Team,
    renameTeam: async (id, name) =>
      (await api.send("patch", "/api/teams/{id}", { ...team(id), body: { name } })) as Team,
    async deleteTeam(id) {
      await api.send("delete", "/api/teams/{id}", team(id));
    },
    listTeamMembers: async (id, { cursor, limit }) =>
      (await api.send("get", "/api/teams/{id}/members", {
        ...team(id),
        query: { cursor, limit },
      })) as TeamMemberPage,
    setTeamMemberRole: async (id, userId, role) =>
      (await api.send("patch", "/api/teams/{id}/members/{userId}", {
        ...team(id, { userId }),
        body: { role },
      })) as TeamMember,
    async removeTeamMember(id, userId) {
      await api.send("delete", "/api/teams/{id}/members/{userId}", team(id, { userId }));
    },
    transferTeam: async (id, userId) =>
      (await api.send("post", "/api/teams/{id}/transfer", { ...team(id), body: { userId } })) as Team,
    inviteToTeam: async (id, body) =>
      (await api.send("post", "/api/teams/{id}/invitations", { ...team(id), body })) as TeamInvitation,
    listTeamInvitations: async (id) =>
      ((await api.send("get", "/api/teams/{id}/invitations", team(id))) as { invitations: TeamInvitation[] })
        .invitations,
    async revokeTeamInvitation(id, invitationId) {
      await api.send("delete", "/api/teams/{id}/invitations/{invitationId}", team(id, { invitationId }));
    },
    async resendTeamInvitation(id, invitationId) {
      await api.send("post", "/api/teams/{id}/invitations/{invitationId}/resend", team(id, { invitationId }));
    },
    previewInvitation: async (token) =>
      (await api.send("post", "/api/invitations/preview", {
        body: { token },
        auth: false,
      })) as InvitationPreview,
    acceptInvitation: async (token) =>
      (await api.send("post", "/api/invitations/accept", { body: { token } })) as { team: Team },
    listClassLessons: async (id) =>
      ((await api.send("get", "/api/teams/{id}/lessons", team(id))) as { lessons: ClassLesson[] }).lessons,
    setClassLessons: async (id, lessonIds) =>
      (
        (await api.send("put", "/api/teams/{id}/lessons", { ...team(id), body: { lessonIds } })) as {
          lessons: ClassLesson[];
        }
      ).lessons,
    getClassLesson: async (id, lessonId) =>
      (await api.send("get", "/api/teams/{id}/lessons/{lessonId}", team(id, { lessonId }))) as Lesson,
    classProgress: async (id, { cursor, limit }) =>
      (await api.send("get", "/api/teams/{id}/progress", {
        ...team(id),
        query: { cursor, limit },
      })) as ClassProgressPage,
    classProgressSummary: async (id) =>
      (await api.send("get", "/api/teams/{id}/progress/summary", team(id))) as ClassSummary,
    listTeamApiKeys: async (id) =>
      ((await api.send("get", "/api/teams/{id}/api-keys", team(id))) as { keys: TeamApiKey[] }).keys,
    createTeamApiKey: async (id, body) =>
      (await api.send("post", "/api/teams/{id}/api-keys", { ...team(id), body })) as TeamApiKeyWithSecret,
    async revokeTeamApiKey(id, keyId) {
      await api.send("delete", "/api/teams/{id}/api-keys/{keyId}", team(id, { keyId }));
    },
    rotateTeamApiKey: async (id, keyId) =>
      (await api.send(
        "post",
        "/api/teams/{id}/api-keys/{keyId}/rotate",
        team(id, { keyId }),
      )) as RotatedTeamApiKey,
  };
}
