import { defineProblems } from "../../shared/errors";

/** Problems of the patterns group. */
export const patternProblems = defineProblems({
  idInUse: { status: 409, title: "This pattern id is already used with other content" },
  versionMismatch: { status: 412, title: "The pattern changed since you read it" },
});
