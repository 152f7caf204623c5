import { TEAM_PATTERN_LIMIT } from "../../db/entitlements";
import { defineProblems } from "../../shared/errors";
import { teamAccessProblems } from "../../shared/teams/problems";

/**
 * Problems of the patterns group. `teamNotFound` and `teamRoleRequired` share their types with
 * the teams group's (one answer for a non-member and an unknown team, everywhere).
 */
export const patternProblems = {
  ...teamAccessProblems,
  ...defineProblems({
    idInUse: { status: 409, title: "This pattern id is already used with other content" },
    versionMismatch: { status: 412, title: "The pattern changed since you read it" },
    teamPatternLimit: { status: 409, title: `A team keeps at most ${TEAM_PATTERN_LIMIT} patterns` },
  }),
};
