import { defineProblems } from "../../shared/errors";

/** Problems of the shares group (`teamRoleRequired` shares its type with the teams group's). */
export const shareProblems = defineProblems({
  teamRoleRequired: { status: 403, title: "Your role in the team does not allow this" },
});
