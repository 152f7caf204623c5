import type { AccessClaims } from "../../shared/auth/access-token";
import { unlocksPremium } from "../../shared/auth/access-token";

/**
 * The premium rule of classes (README "Classes"): a premium lesson listed in a class is open to
 * the class's members when an owner of the class is on the premium tier, so a teacher's plan
 * covers the class. Otherwise the member's own access decides, as on GET /api/lessons/:id.
 */
export function opensClassLesson(
  lesson: { isPremium: boolean },
  viewer: { claims: Pick<AccessClaims, "role" | "tier">; ownerPremium: boolean },
): boolean {
  return !lesson.isPremium || viewer.ownerPremium || unlocksPremium(viewer.claims);
}
