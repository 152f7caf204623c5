import { z } from "@hono/zod-openapi";
import { type AdminAuditRow, type AdminSubscriptionRow, USER_AUDIT_PAGE } from "../../db/queries/admin-users";
import { toUserDto, UserSchema } from "../../shared/auth/user-dto";
import type { Plan } from "../../shared/billing/plans";
import { encodeCursor } from "../../shared/cursor";
import { AuditLogSchema } from "./audit-schema";

export const AdminUserSchema = UserSchema.extend({
  disabled: z.boolean(),
  mfa: z
    .object({ totp: z.boolean(), passkeys: z.number().int() })
    .openapi({ description: "The user's second factors: an authenticator app, and how many passkeys." }),
}).openapi("AdminUser");

/** A user row with its second factors as the admin API shows it. */
export function adminUserDto(
  u: Parameters<typeof toUserDto>[0] & {
    disabledAt: Date | null;
    totpEnabled: boolean;
    passkeyCount: number;
  },
) {
  return {
    ...toUserDto(u),
    disabled: u.disabledAt !== null,
    mfa: { totp: u.totpEnabled, passkeys: u.passkeyCount },
  };
}

const AdminSessionSchema = z
  .object({
    id: z.uuid(),
    method: z.string().openapi({ description: "How the user signed in (password, passkey, google, …)" }),
    userAgent: z.string().nullable(),
    ip: z.string().nullable(),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime(),
  })
  .openapi("AdminSession");

const AdminUserSubscriptionSchema = z
  .object({
    id: z.string(),
    status: z.string(),
    plan: z
      .string()
      .nullable()
      .openapi({ description: "The plan id of its price; null for a price not on sale" }),
    priceId: z.string().nullable(),
    currentPeriodEnd: z.iso.datetime().nullable(),
    cancelAtPeriodEnd: z.boolean(),
    canceledAt: z.iso.datetime().nullable(),
  })
  .openapi("AdminUserSubscription");

export const AdminUserViewSchema = AdminUserSchema.extend({
  sessions: z.array(AdminSessionSchema).openapi({ description: "Live sessions, most recently used first" }),
  subscription: AdminUserSubscriptionSchema.nullable().openapi({
    description: "The current subscription (else the latest); null: never subscribed",
  }),
  audit: z
    .object({ entries: z.array(AuditLogSchema), nextCursor: z.string().nullable() })
    .openapi({ description: "Newest first; `nextCursor` continues at GET /audit-logs?user={id}" }),
}).openapi("AdminUserView");

/** The user view's parts, shaped: the plan named, the audit page cut with its cursor. */
export function adminUserView<U extends ReturnType<typeof adminUserDto>>(
  row: { sessions: unknown[]; subscription: AdminSubscriptionRow | null; audit: AdminAuditRow[] },
  user: U,
  plans: readonly Plan[],
) {
  const entries = row.audit.slice(0, USER_AUDIT_PAGE);
  const last = entries.at(-1);
  const sub = row.subscription;
  return {
    ...user,
    sessions: row.sessions as z.infer<typeof AdminSessionSchema>[],
    subscription: sub && {
      ...sub,
      plan: plans.find((plan) => plan.priceId === sub.priceId)?.id ?? null,
    },
    audit: {
      entries,
      nextCursor:
        row.audit.length > USER_AUDIT_PAGE && last
          ? encodeCursor({ at: last.createdAt, id: String(last.id) })
          : null,
    },
  };
}
