import { and, eq } from "drizzle-orm";
import type { Database } from "../database";
import { subscriptions } from "../schema/billing";
import { users } from "../schema/users";
import { type Cursor, newestFirst } from "./keyset";

/** Subscriptions of every user, newest first, optionally of one status, one page past `cursor` (plus one row). */
export function listAllSubscriptions(db: Database, v: { status?: string; cursor?: Cursor; limit: number }) {
  const page = newestFirst(subscriptions.createdAt, subscriptions.id, v.cursor);
  return db
    .select({
      id: subscriptions.id,
      userId: subscriptions.userId,
      email: users.email,
      customerId: subscriptions.customerId,
      status: subscriptions.status,
      priceId: subscriptions.priceId,
      currentPeriodEnd: subscriptions.currentPeriodEnd,
      cancelAtPeriodEnd: subscriptions.cancelAtPeriodEnd,
      canceledAt: subscriptions.canceledAt,
      createdAt: subscriptions.createdAt,
    })
    .from(subscriptions)
    .leftJoin(users, eq(users.id, subscriptions.userId))
    .where(and(v.status ? eq(subscriptions.status, v.status) : undefined, page.after))
    .orderBy(...page.orderBy)
    .limit(v.limit + 1);
}
