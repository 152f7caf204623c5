/**
 * The SDK's shapes (the API's JSON) turned into the spec's: ISO strings become `Date`s, fields
 * the spec does not name are left out, and fields the API does not send are derived where the
 * derivation is sound (the owner of one's own data is the signed-in user).
 */
import { holdsPlan } from "../../../db/entitlements";
import type {
  LessonSummary,
  Plan,
  Lesson as SdkLesson,
  Pattern as SdkPattern,
  Progress as SdkProgress,
  Share as SdkShare,
  SharedPattern as SdkSharedPattern,
  Subscription as SdkSubscription,
  User as SdkUser,
} from "../types";
import type {
  Lesson,
  Pattern,
  Progress,
  SharedPattern,
  Subscription,
  SubscriptionStatus,
  User,
} from "./types";

const date = (iso: string) => new Date(iso);
const dateOrNull = (iso: string | null | undefined) => (iso ? new Date(iso) : null);

export function toUser(user: SdkUser): User {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    avatarUrl: user.avatarUrl,
    tier: user.tier,
    createdAt: date(user.createdAt),
  };
}

export function toPattern(pattern: SdkPattern | SdkSharedPattern["pattern"], userId: string | null): Pattern {
  return {
    id: pattern.id,
    userId,
    name: pattern.name,
    tempo: pattern.tempo,
    tracks: pattern.tracks,
    mixer: pattern.mixer,
    createdAt: date(pattern.createdAt),
    updatedAt: date(pattern.updatedAt),
    isPublic: pattern.isPublic,
  };
}

export function toProgress(progress: SdkProgress, userId: string | null): Progress {
  return {
    userId,
    lessonId: progress.lessonId,
    completed: progress.completed,
    score: progress.score,
    completedAt: dateOrNull(progress.completedAt),
  };
}

export function toSharedPattern(share: SdkShare, userId: string | null): SharedPattern {
  return {
    shareId: share.shareId,
    patternId: share.patternId,
    userId,
    url: share.url,
    views: share.views,
    createdAt: date(share.createdAt),
    expiresAt: dateOrNull(share.expiresAt),
  };
}

/**
 * The start of the billing period that ends at `end`: one plan interval earlier (a month
 * back from the 31st lands on the month's last day). Stripe anchors periods to the first
 * payment, so a period that ends on a clamped day (Feb 28 after Jan 31) can start later
 * than this; the API does not send the start (see the README's server gaps).
 */
export function periodStart(end: Date, interval: Plan["interval"]): Date {
  const start = new Date(end);
  if (interval === "day" || interval === "week") {
    start.setUTCDate(start.getUTCDate() - (interval === "day" ? 1 : 7));
    return start;
  }
  const day = start.getUTCDate();
  start.setUTCDate(1);
  start.setUTCMonth(start.getUTCMonth() - (interval === "month" ? 1 : 12));
  const lastDay = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 0)).getUTCDate();
  start.setUTCDate(Math.min(day, lastDay));
  return start;
}

export function toSubscription(sub: SdkSubscription, userId: string | null, plans: Plan[]): Subscription {
  const plan = plans.find((p) => p.id === sub.plan || p.priceId === sub.priceId);
  const end = dateOrNull(sub.currentPeriodEnd);
  return {
    id: sub.id,
    userId,
    tier: holdsPlan(sub.status) ? (plan?.tier ?? "premium") : "free",
    status: sub.status as SubscriptionStatus,
    currentPeriodStart: end && plan ? periodStart(end, plan.interval) : null,
    currentPeriodEnd: end,
    cancelAtPeriodEnd: sub.cancelAtPeriodEnd,
  };
}

/**
 * A lesson of the curriculum (no config) or a whole lesson. The API keeps when a lesson was
 * published but sends only `published`: a published lesson carries its last update time.
 */
export function toLesson(lesson: LessonSummary | SdkLesson): Lesson {
  return {
    id: lesson.id,
    title: lesson.title,
    category: lesson.category,
    difficulty: lesson.difficulty,
    config: "config" in lesson ? lesson.config : null,
    isPremium: lesson.isPremium,
    publishedAt: lesson.published ? date(lesson.updatedAt) : null,
  };
}
