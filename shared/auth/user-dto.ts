import { z } from "@hono/zod-openapi";
import { ENTITLEMENTS } from "../../db/entitlements";
import { ROLES, TIERS } from "../../db/enums";
import type { Profile } from "../../db/queries/users";

export const UserSchema = z
  .object({
    id: z.uuid(),
    email: z.email(),
    displayName: z.string(),
    avatarUrl: z.url().nullable(),
    role: z.enum(ROLES),
    tier: z.enum(TIERS),
    emailVerified: z.boolean(),
    entitlements: z.array(z.string()),
    createdAt: z.iso.datetime(),
  })
  .openapi("User");

export type UserDto = z.infer<typeof UserSchema>;

/** The user as the API shows it to themselves. */
export function toUserDto(profile: Profile): UserDto {
  return {
    id: profile.id,
    email: profile.email,
    displayName: profile.displayName,
    avatarUrl: profile.avatarUrl,
    role: profile.role,
    tier: profile.tier,
    emailVerified: profile.emailVerifiedAt !== null,
    entitlements: [...ENTITLEMENTS[profile.tier]],
    createdAt: profile.createdAt.toISOString(),
  };
}
