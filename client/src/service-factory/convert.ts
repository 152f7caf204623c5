/**
 * The SDK's shapes (the API's JSON) turned into the spec's: ISO strings become `Date`s, fields
 * the spec does not name are left out, and the owner the API does not send with one's own
 * progress, shares and subscription is the signed-in user.
 */
import type {
  LessonSummary,
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

/**
 * A pattern with its owner as the API names it. `ownerIfUnsaid`: for copies on the device
 * that an older SDK kept without `userId` (the device store's owner).
 */
export function toPattern(
  pattern: SdkPattern | SdkSharedPattern["pattern"],
  ownerIfUnsaid: string | null = null,
): Pattern {
  return {
    id: pattern.id,
    userId: pattern.userId ?? ownerIfUnsaid,
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

export function toSubscription(sub: SdkSubscription, userId: string | null): Subscription {
  return {
    id: sub.id,
    userId,
    tier: sub.tier,
    status: sub.status as SubscriptionStatus,
    currentPeriodStart: dateOrNull(sub.currentPeriodStart),
    currentPeriodEnd: dateOrNull(sub.currentPeriodEnd),
    cancelAtPeriodEnd: sub.cancelAtPeriodEnd,
  };
}

/** A lesson of the curriculum (no config) or a whole lesson. */
export function toLesson(lesson: LessonSummary | SdkLesson): Lesson {
  return {
    id: lesson.id,
    title: lesson.title,
    category: lesson.category,
    difficulty: lesson.difficulty,
    config: "config" in lesson ? lesson.config : null,
    isPremium: lesson.isPremium,
    publishedAt: dateOrNull(lesson.publishedAt),
  };
}
