import { sql } from "drizzle-orm";
import { userTotp } from "../schema/mfa";
import { passkeys } from "../schema/passkeys";

/**
 * Whether the `users` row in scope has a second factor (an active authenticator app or a
 * passkey), for selects from `users`: then a password or a provider alone no longer signs in.
 * Qualified by hand: drizzle leaves the columns of a single-table select unqualified, and a bare
 * `id` would read the subquery's own table.
 */
export const hasSecondFactorSql = sql<boolean>`(
  exists (select 1 from ${userTotp} where ${userTotp.userId} = "users"."id" and ${userTotp.enabledAt} is not null)
  or exists (select 1 from ${passkeys} where ${passkeys.userId} = "users"."id")
)`;
