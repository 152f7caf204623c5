/**
 * The five service interfaces of Music Producer Lab's backend spec ("Feature Spec: Backend
 * Architecture", Phase 1), as TypeScript: the argument lists, return shapes and `Date` fields
 * the site is written against. Where the spec says `Date` but a value can be missing, the type
 * says `| null` (the spec's own `expiresAt` is "null if no expiration").
 */
import type { Mixer, Track } from "../types";

export type { Mixer, Track };

/** `'real'`: the Backline API. `'stub'`: the SDK's in-browser stub, no backend. */
export type ServiceMode = "real" | "stub";

export interface User {
  /** Unique user identifier. */
  id: string;
  email: string;
  displayName: string;
  /** null: the user has no avatar. */
  avatarUrl: string | null;
  /** 'free' | 'premium' (the API has no 'teacher' tier: teachers are a role). */
  tier: "free" | "premium" | "teacher";
  createdAt: Date;
}

export interface AuthState {
  isAuthenticated: boolean;
  user: User | null;
  /** JWT for API requests (real mode: the current access token; stub mode: a fake `stub-token-…`). */
  token: string | null;
}

/** Authentication: the session and its listeners. */
export interface IAuthService {
  /** Initialize authentication (check for an existing session). */
  init(): Promise<AuthState>;
  /**
   * Sign in with email/password. An account with a second factor rejects with the BacklineError
   * of type `…/mfa-required` whose `problem.challenge` goes to `completeSignIn`.
   */
  signIn(email: string, password: string): Promise<AuthState>;
  /** Beyond the spec: the second step of a sign-in, with a code of the authenticator app or a recovery code. */
  completeSignIn(challenge: string, code: string): Promise<AuthState>;
  /** Sign up a new user. */
  signUp(email: string, password: string, displayName: string): Promise<AuthState>;
  /** Sign out the current user. */
  signOut(): Promise<void>;
  /** The current auth state (synchronous). */
  getAuthState(): AuthState;
  /** Calls `callback` on every later change of the auth state; returns the unsubscribe function. */
  onAuthStateChanged(callback: (state: AuthState) => void): () => void;
}

export interface Pattern {
  /** A UUID (the site may make it itself, for offline creation). */
  id: string;
  /** The owner's user id; null for a pattern saved on the device while signed out. */
  userId: string | null;
  name: string;
  tempo: number;
  tracks: Track[];
  mixer: Mixer;
  createdAt: Date;
  updatedAt: Date;
  isPublic: boolean;
}

/** What `savePattern` takes: a pattern, with or without its id (a new one gets one). */
export type PatternToSave = Pick<Pattern, "name" | "tempo" | "tracks"> & Partial<Pattern>;

export interface Progress {
  /** The signed-in user; null for progress kept while signed out. */
  userId: string | null;
  lessonId: string;
  completed: boolean;
  score: number;
  /** null until the lesson is completed. */
  completedAt: Date | null;
}

/** What `saveProgress` takes: one attempt at a lesson. */
export type ProgressToSave = Pick<Progress, "lessonId" | "score"> & Partial<Progress>;

export interface SyncResult {
  uploaded: number;
  downloaded: number;
}

/** Data sync: patterns and lesson progress, saved on the device first and synced when signed in. */
export interface IDataSyncService {
  /** Sync local patterns to the cloud. */
  syncPatterns(): Promise<SyncResult>;
  /** Save a pattern to the cloud (on the device first when offline or signed out). */
  savePattern(pattern: PatternToSave): Promise<Pattern>;
  /** Load all patterns of the current user. */
  loadPatterns(): Promise<Pattern[]>;
  /** Delete a pattern. */
  deletePattern(patternId: string): Promise<void>;
  /** Sync progress to the cloud; `downloaded` counts the records the cloud sent back. */
  syncProgress(): Promise<SyncResult>;
  /** Save a progress record (one attempt). */
  saveProgress(progress: ProgressToSave): Promise<Progress>;
  /** Load all progress of the current user. */
  loadProgress(): Promise<Progress[]>;
}

export interface SharedPattern {
  /** Short unique id for sharing. */
  shareId: string;
  patternId: string;
  userId: string | null;
  /** Full shareable URL. */
  url: string;
  views: number;
  createdAt: Date;
  /** null if no expiration. */
  expiresAt: Date | null;
}

export interface ShareOptions {
  /** Allow anyone to view (default true); false: signed-in users only. */
  public?: boolean;
  /** Milliseconds until expiration (1 minute to 365 days); null or absent: never. */
  expiresIn?: number | null;
}

/** Share links to patterns. */
export interface ISharingService {
  /** Create a shareable link for a pattern. */
  createShareLink(patternId: string, options?: ShareOptions): Promise<SharedPattern>;
  /** Load a pattern by share id (counts a view). */
  loadSharedPattern(shareId: string): Promise<Pattern>;
  /** Revoke a share link. */
  revokeShareLink(shareId: string): Promise<void>;
  /** List all live shares of the current user. */
  listShares(): Promise<SharedPattern[]>;
}

/** Stripe subscription statuses; the spec names 'active' | 'canceled' | 'past_due'. */
export type SubscriptionStatus =
  | "active"
  | "canceled"
  | "past_due"
  | "trialing"
  | "unpaid"
  | "incomplete"
  | "incomplete_expired"
  | "paused";

export interface Subscription {
  id: string;
  userId: string | null;
  /** The tier it gives now: 'premium' while its status entitles (active, trialing, past_due within the grace period), else 'free'. */
  tier: "free" | "premium";
  status: SubscriptionStatus;
  /** From Stripe; null while the API does not know it yet. */
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
}

export interface CheckoutSession {
  id: string;
  /** Checkout URL: send the browser there. */
  url: string;
}

/** Subscriptions through Stripe. */
export interface IPaymentService {
  /** Create a checkout session for a subscription to the plan with this Stripe price id. */
  createCheckoutSession(priceId: string): Promise<CheckoutSession>;
  /** The current user's subscription, or null. */
  getSubscription(): Promise<Subscription | null>;
  /** Cancel the subscription (at the end of the period). */
  cancelSubscription(): Promise<Subscription>;
  /** Create a customer portal session. */
  createPortalSession(): Promise<{ url: string }>;
}

export interface Lesson {
  /** A slug like drum-basics-1. */
  id: string;
  title: string;
  category: string;
  difficulty: "beginner" | "intermediate" | "advanced";
  /** Lesson configuration; null in `loadCurriculum`'s list (load the lesson for it). */
  config: Record<string, unknown> | null;
  isPremium: boolean;
  /** When it was first published (kept across edits while it stays published); null: a draft. */
  publishedAt: Date | null;
}

/** What `createLesson` takes. `publishedAt`: a date publishes it, null makes a draft, absent publishes (the API's default). */
export type LessonToCreate = Pick<Lesson, "id" | "title" | "category" | "difficulty"> &
  Partial<Omit<Lesson, "config">> & { config?: Record<string, unknown> };

/** The curriculum and, for admins, editing it. */
export interface IContentService {
  /** Load the curriculum (all lessons, without their config). */
  loadCurriculum(): Promise<Lesson[]>;
  /** Load one lesson with its config. */
  loadLesson(lessonId: string): Promise<Lesson>;
  /** Create a lesson (admin only). */
  createLesson(lesson: LessonToCreate): Promise<Lesson>;
  /** Update a lesson (admin only): the fields given change, the others stay. */
  updateLesson(lessonId: string, updates: Partial<Lesson>): Promise<Lesson>;
  /** Delete a lesson (admin only). */
  deleteLesson(lessonId: string): Promise<void>;
}
