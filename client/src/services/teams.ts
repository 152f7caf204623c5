/**
 * `backline.teams`: teams and classes over the teams API (functions/teams, functions/classes,
 * team API keys), one call each, in the API's own shapes. The stub answers the same calls.
 */
import type { Backend } from "../backend";
import type { TeamsService } from "../teams-types";

export function createTeams(backend: Backend): TeamsService {
  return {
    list: () => backend.listTeams(),
    create: (input) => backend.createTeam(input),
    get: (id) => backend.getTeam(id),
    rename: (id, name) => backend.renameTeam(id, name),
    remove: (id) => backend.deleteTeam(id),
    members: (id, options = {}) => backend.listTeamMembers(id, options),
    setRole: (id, userId, role) => backend.setTeamMemberRole(id, userId, role),
    removeMember: (id, userId) => backend.removeTeamMember(id, userId),
    leave: (id) => backend.removeTeamMember(id, "me"),
    transfer: (id, userId) => backend.transferTeam(id, userId),
    invite: (id, input) => backend.inviteToTeam(id, input),
    invitations: (id) => backend.listTeamInvitations(id),
    revokeInvitation: (id, invitationId) => backend.revokeTeamInvitation(id, invitationId),
    resendInvitation: (id, invitationId) => backend.resendTeamInvitation(id, invitationId),
    previewInvitation: (token) => backend.previewInvitation(token),
    acceptInvitation: (token) => backend.acceptInvitation(token),
    lessons: (id) => backend.listClassLessons(id),
    setLessons: (id, lessonIds) => backend.setClassLessons(id, lessonIds),
    lesson: (id, lessonId) => backend.getClassLesson(id, lessonId),
    progress: (id, options = {}) => backend.classProgress(id, options),
    progressSummary: (id) => backend.classProgressSummary(id),
    apiKeys: (id) => backend.listTeamApiKeys(id),
    createApiKey: (id, input) => backend.createTeamApiKey(id, input),
    revokeApiKey: (id, keyId) => backend.revokeTeamApiKey(id, keyId),
    rotateApiKey: (id, keyId) => backend.rotateTeamApiKey(id, keyId),
  };
}
