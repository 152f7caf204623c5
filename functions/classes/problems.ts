import { defineProblems } from "../../shared/errors";
import { teamAccessProblems } from "../../shared/teams/problems";

/**
 * Problems of the class routes. The slugs are the teams contract's (the teams group raises the
 * same kinds for its own routes): a client tells them apart by `type` whichever route answered.
 */
export const classProblems = {
  ...teamAccessProblems,
  ...defineProblems({ notAClass: { status: 409, title: "This team is not a class" } }),
};
