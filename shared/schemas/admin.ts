/** Request schemas of the admin group (users, audit log, refunds, the webhook ledger). */
import * as z from "zod";
import { ROLES, WEBHOOK_STATUSES } from "../../db/enums";
import { Slug } from "./lessons";
import { PageQuery, pageQuery } from "./page";

export const UserIdParam = z.object({ id: z.uuid() });

export const ListUsersQuery = pageQuery(z.uuid()).extend({ q: z.string().trim().max(254).optional() });

export const PatchUserBody = z
  .object({ role: z.enum(ROLES).optional(), disabled: z.boolean().optional() })
  .strict()
  .refine((b) => b.role !== undefined || b.disabled !== undefined, "send role or disabled");

export const ListAuditLogsQuery = pageQuery(z.string().regex(/^\d{1,15}$/)).extend({
  actor: z.uuid().optional(),
  user: z.uuid().optional().meta({ description: "Entries where this user is the actor or the target" }),
  action: z.string().max(100).optional(),
  target: z.string().max(100).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

export const RefundBody = z
  .object({
    invoiceId: z.string().regex(/^in_\w{1,250}$/, "is not a Stripe invoice id (in_…)"),
    amount: z
      .number()
      .int()
      .positive()
      .optional()
      .meta({ description: "Minor units; default: what is left" }),
    reason: z.enum(["duplicate", "fraudulent", "requested_by_customer"]),
    note: z.string().trim().max(500).optional().meta({ description: "Kept in the audit log" }),
  })
  .strict()
  .meta({ id: "RefundRequest" });

export const ListWebhookEventsQuery = PageQuery.extend({ status: z.enum(WEBHOOK_STATUSES).optional() });

export const WebhookEventIdParam = z.object({
  id: z.string().regex(/^evt_\w{1,250}$/, "is not a Stripe event id (evt_…)"),
});

export const UserSessionParam = z.object({ id: z.uuid(), sessionId: z.uuid() });

/** Stripe's subscription statuses. */
export const SUBSCRIPTION_STATUSES = [
  "active",
  "trialing",
  "past_due",
  "unpaid",
  "canceled",
  "incomplete",
  "incomplete_expired",
  "paused",
] as const;

export const ListSubscriptionsQuery = PageQuery.extend({ status: z.enum(SUBSCRIPTION_STATUSES).optional() });

/** POST /api/lessons/reorder: a category's lessons in their new order (every one of them, once). */
export const ReorderLessonsBody = z
  .object({
    category: Slug,
    lessonIds: z
      .array(Slug)
      .min(1)
      .max(1000)
      .refine((ids) => new Set(ids).size === ids.length, "names a lesson more than once"),
  })
  .strict()
  .meta({ id: "ReorderLessonsRequest" });

/** The field error of a reorder list that is not every lesson of the category once (API and stub alike). */
export function incompleteOrder(category: string, missing: string[], unknown: string[]) {
  const parts = [
    missing.length > 0 ? `leaves out ${missing.join(", ")}` : null,
    unknown.length > 0 ? `names ${unknown.join(", ")}, not lessons of ${category}` : null,
  ].filter(Boolean);
  return {
    path: "lessonIds",
    message: `must name every lesson of ${category} exactly once: it ${parts.join("; ")}`,
  };
}
