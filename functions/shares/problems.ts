import { teamAccessProblems } from "../../shared/teams/problems";

/** Problems of the shares group: a team pattern's link needs its author or a manager. */
export const shareProblems = { teamRoleRequired: teamAccessProblems.teamRoleRequired };
