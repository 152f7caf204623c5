import type { ClassAccess } from "../../db/queries/classes";
import { classProblems } from "./problems";

/**
 * The caller's access as a class route's statement read it, turned into the contract's
 * answers: 404 for an unknown team or a non-member (one answer, so ids are not probed), 409
 * for a team that is not a class, 403 when the route needs a manager (owner or teacher).
 */
export function assertClassAccess<T extends { access: ClassAccess }>(
  found: T | undefined,
  need: "member" | "manager",
): asserts found is T {
  const access = found?.access;
  if (!access?.role) throw classProblems.teamNotFound("No team with this id, or you are not in it.");
  if (access.kind !== "class") {
    throw classProblems.notAClass("Lessons and progress belong to classes; this team is not one.");
  }
  if (need === "manager" && !access.manager) {
    throw classProblems.teamRoleRequired({
      detail: "This needs the owner or teacher role in this class.",
      extensions: { requiredRoles: ["owner", "teacher"] },
    });
  }
}
