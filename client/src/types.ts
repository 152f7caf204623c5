/** The SDK's public types. Server shapes come from `api.d.ts`, generated from the API's OpenAPI document. */
import type { components } from "./api";
import type { BacklineError } from "./errors";
import type {
  EventProps,
  EventsOptions,
  EventsService,
  MetricsService,
  ProgressService,
} from "./events-types";
import type { CompleteSignInInput, MfaRequiredProblem, MfaService, PasskeyService } from "./mfa-types";
import type { AdminService } from "./services/admin";
import type { TeamsService } from "./teams-types";

export type * from "./mfa-types";

type Schemas = components["schemas"];

/** `http`: the real API. `stub`: an in-browser stand-in with the same behaviour and no backend. */
export type BacklineMode = "http" | "stub";

/** A signed-in user as the API shows them to themselves. */
export type User = Schemas["User"];
export type { FieldError } from "./errors";

export type Track = Schemas["Track"];
export type Mixer = Schemas["Mixer"];

/** Where a locally kept pattern stands with the server. */
export type SyncState = "synced" | "pending" | "rejected";

/**
 * A pattern as the server keeps it, plus its local sync state. `version` is 0 until the
 * server has accepted it once. `syncError` says why the server refused the last upload.
 * `userId` is null for a pattern made on this device while signed out (until sign-in adopts it).
 */
export type Pattern = Omit<Schemas["Pattern"], "deletedAt" | "userId" | "teamId" | "authorId"> & {
  userId: string | null;
  deletedAt: string | null;
  syncState: SyncState;
  syncError?: string;
  /** The team it belongs to (null: yours) and who made it (team patterns: the author). */
  teamId?: string | null;
  authorId?: string | null;
};

/** What `savePattern` takes: a new pattern (optionally with your own UUID) or a whole replacement of one. */
export interface PatternInput {
  id?: string;
  name: string;
  tempo: number;
  tracks: Track[];
  mixer?: Mixer;
  isPublic?: boolean;
}

export type Progress = Schemas["Progress"];
/** One attempt at a lesson. */
export interface ProgressAttempt {
  lessonId: string;
  score: number;
  completed?: boolean;
  /** Made by saveProgress when absent: the server counts an attempt sent again only once. */
  attemptId?: string;
}

export type Share = Schemas["Share"];
export interface ShareOptions {
  /** false: only signed-in users can open the link. Default true. */
  public?: boolean;
  /** Seconds (60 to 365 days); null or absent: never expires. */
  expiresIn?: number | null;
}
/** A pattern as the server has it (no local sync state): `dataSync.loadPattern`, shared patterns. */
export type SavedPattern = Omit<Schemas["Pattern"], "deletedAt"> & { deletedAt: string | null };
export interface SharedPattern {
  pattern: SavedPattern;
  views: number;
}

export type LessonSummary = Schemas["LessonSummary"];
export type Lesson = Schemas["Lesson"];
/** A lesson as an admin writes it. */
export interface LessonInput {
  id: string;
  title: string;
  category: string;
  difficulty: "beginner" | "intermediate" | "advanced";
  config?: Record<string, unknown>;
  isPremium?: boolean;
  position?: number;
  published?: boolean;
}

/** A plan on sale. */
export type Plan = Schemas["Plan"];

/** The signed-in user's subscription. */
export type Subscription = NonNullable<Schemas["Subscription"]>;

/** An invoice of the signed-in user (amounts in the currency's smallest unit). */
export type Invoice = Schemas["Invoice"];
/** One page of invoices, newest first; pass `nextCursor` as `cursor` for the next one (null: the end). */
export interface InvoicePage {
  invoices: Invoice[];
  nextCursor: string | null;
}
export interface PageOptions {
  /** 1–100, default 50. */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

/** A live sign-in of the user (a device or browser); `current` is this one. */
export type Session = Schemas["Session"];

/** A sign-in provider the API offers (`GET /api/auth/providers`). */
export type OAuthProvider = "google" | "github";
export interface ProviderInfo {
  id: OAuthProvider;
  name: string;
}
/** A provider account linked to the user (the address it gave when linked). */
export type Identity = Schemas["Identity"];
/** How the user can sign in: their linked identities, and whether the account has a password. */
export type SignInMethods = Schemas["SignInMethods"];
/** Options of `signInWith` and `linkIdentity`. */
export interface ProviderFlowOptions {
  /** Where the browser comes back (an URL on an origin the API allows); default the current page. */
  redirect?: string;
  /**
   * Stub mode only: the account the stub's provider "picks", as the stand-in's consent page
   * lets you pick a test user (default `<provider>-user@example.com`, or when linking the
   * signed-in user's address). Ignored in http mode.
   */
  stubAccount?: { email: string; name?: string };
}

/** An API key as listed (never its secret); creating or rotating one returns the secret once. */
export type ApiKey = Schemas["ApiKey"];
export type ApiKeyWithSecret = Schemas["ApiKeyWithSecret"];
export type RotatedApiKey = Schemas["RotatedApiKey"];
export type CreateApiKeyInput = Schemas["CreateApiKey"];

/** API keys for server-to-server calls (`Authorization: Bearer bk_…`); managing them needs a signed-in session. */
export interface ApiKeysService {
  list(): Promise<ApiKey[]>;
  /** The answer carries the secret: the only time it is shown. */
  create(input: CreateApiKeyInput): Promise<ApiKeyWithSecret>;
  /** The key stops working at once. */
  revoke(id: string): Promise<void>;
  /** A new secret; the old one keeps working until `previousSecretValidUntil` (24 hours). */
  rotate(id: string): Promise<RotatedApiKey>;
}

export interface AuthState {
  signedIn: boolean;
  user: User | null;
}

export interface SignUpInput {
  email: string;
  password: string;
  displayName: string;
}
export interface SignInInput {
  email: string;
  password: string;
}
/** The fields of the profile a user may change (null removes the avatar). */
export interface ProfileChanges {
  displayName?: string;
  avatarUrl?: string | null;
}
export interface PasswordChangeInput {
  currentPassword: string;
  newPassword: string;
}
/** The token of an emailed reset link (`?token=…`) and the new password. */
export interface PasswordResetInput {
  token: string;
  newPassword: string;
}

/** An email the stub "sent" (stub mode has no mail server: its mailbox keeps them). */
export interface StubEmail {
  id: string;
  to: string;
  /** The server's template: welcome, verify-email, reset-password, password-changed, account-deleted… */
  template: string;
  subject: string;
  text: string;
  html: string;
  sentAt: string;
}

/** Accounts and the session. The access token lives in memory only. */
export interface AuthService extends AccountIdentities {
  /** Restores the session (refresh cookie in http mode); call once at page load. */
  init(): Promise<AuthState>;
  signUp(input: SignUpInput): Promise<User>;
  /** Rejects with the `…/mfa-required` BacklineError (`isMfaRequired`) when the account has a second factor. */
  signIn(input: SignInInput): Promise<User>;
  /** Finishes a sign-in that asked for a second factor: a code (app or recovery), or `passkey: true`. */
  completeSignIn(input: CompleteSignInInput): Promise<User>;
  /** Signs in with a passkey of this device (no email or password); the browser asks the user. */
  signInWithPasskey(): Promise<User>;
  /**
   * After a Google/GitHub sign-in came back with `?error=mfa-required`: the challenge it left
   * (as `signIn`'s rejection carries it) for `completeSignIn`; null when none is waiting.
   */
  pendingSignIn(): Promise<MfaRequiredProblem | null>;
  signOut(): Promise<void>;
  getAuthState(): AuthState;
  /** Calls `listener` now and on every change; returns the unsubscribe function. */
  onAuthStateChanged(listener: (state: AuthState) => void): () => void;
  /** Emails a reset link if the account exists (always succeeds for a valid email). */
  requestPasswordReset(email: string): Promise<void>;
  /** Sets a new password with the token of a reset link; every session of the account ends. */
  resetPassword(input: PasswordResetInput): Promise<void>;
  /** Changes the signed-in user's password; their other sessions end, this one stays. */
  changePassword(input: PasswordChangeInput): Promise<void>;
  /** Confirms the email address with the token of a verification link (signed in or not). */
  verifyEmail(token: string): Promise<void>;
  /** Emails the signed-in user a new verification link (nothing when already verified). */
  requestEmailVerification(): Promise<void>;
  /** Changes the display name or avatar; listeners see the updated user. */
  updateProfile(changes: ProfileChanges): Promise<User>;
  /**
   * Deletes the account and its data (the subscription is cancelled first); signs out. Needs the
   * password; an account without one (`listIdentities().hasPassword === false`) leaves it out and
   * must have signed in within the last 10 minutes (else 403 `recent-sign-in-required`).
   */
  deleteAccount(input: { password?: string }): Promise<void>;
  /** The user's live sessions, most recently used first. */
  listSessions(): Promise<Session[]>;
  /** Ends one of the user's sessions (another device, or this one). */
  revokeSession(sessionId: string): Promise<void>;
  /** Ends every session of the user, this one included. */
  signOutEverywhere(): Promise<void>;
}

/** Signing in with a provider, linked identities and change of email (part of `AuthService`). */
export interface AccountIdentities {
  /** The sign-in providers the API offers (only those to show buttons for). */
  providers(): Promise<ProviderInfo[]>;
  /**
   * Signs in with a provider. http mode: the browser navigates to the provider and comes back
   * to `redirect`, where `init()` completes the sign-in (or `lastRedirectError()` says why not);
   * the promise settles as the page leaves. Stub mode: signs the stub's provider account in at once.
   */
  signInWith(provider: OAuthProvider, options?: ProviderFlowOptions): Promise<void>;
  /**
   * Why the last provider flow that returned to this page failed, read by `init()` from the
   * `error` query parameter the API put there (which `init()` then removes from the URL); null when none.
   */
  lastRedirectError(): BacklineError | null;
  /** The signed-in user's linked identities and whether the account has a password. */
  listIdentities(): Promise<SignInMethods>;
  /** Links a provider account to the signed-in user: like `signInWith`, through the provider (http: navigates). */
  linkIdentity(provider: OAuthProvider, options?: ProviderFlowOptions): Promise<void>;
  /** Unlinks the user's account of a provider; refused (409 `last-sign-in-method`) when it is the only way to sign in. */
  unlinkIdentity(provider: OAuthProvider): Promise<void>;
  /**
   * Asks to move the account to `newEmail`: the current password, or for an account without
   * one a sign-in in the last 10 minutes. A link goes to the new address; nothing changes until
   * `confirmEmailChange` runs with its token.
   */
  changeEmail(newEmail: string, password?: string): Promise<void>;
  /** Confirms a change of email with the token of its link (signed in or not); other sessions end. */
  confirmEmailChange(token: string): Promise<{ email: string }>;
}

export interface SyncSummary {
  uploaded: number;
  downloaded: number;
}

export interface ProgressSyncSummary {
  uploaded: number;
  progress: Progress[];
}

/** A team's patterns, offline-first like your own, synced with the team's own cursor. */
export interface TeamPatternSync {
  readonly teamId: string;
  syncPatterns(): Promise<SyncSummary>;
  /** Any member may create; the team's managers or the pattern's author may change or delete it. */
  savePattern(input: PatternInput): Promise<Pattern>;
  loadPatterns(): Promise<Pattern[]>;
  deletePattern(id: string): Promise<void>;
}

/** Offline-first patterns and lesson progress. */
export interface DataSyncService {
  syncPatterns(): Promise<SyncSummary>;
  /** One pattern from the server by id: yours, your teams', or anyone's public one (not the device store). */
  loadPattern(id: string): Promise<SavedPattern>;
  /** With a `teamId`: a pattern of that team (as `team(teamId).savePattern`). */
  savePattern(input: PatternInput & { teamId?: string }): Promise<Pattern>;
  /** Your patterns; with `{ teamId }` that team's (as `team(teamId).loadPatterns`). */
  loadPatterns(options?: { teamId?: string }): Promise<Pattern[]>;
  /** A team's patterns, with their own store and cursor. */
  team(teamId: string): TeamPatternSync;
  deletePattern(id: string): Promise<void>;
  syncProgress(): Promise<ProgressSyncSummary>;
  saveProgress(attempt: ProgressAttempt): Promise<Progress>;
  loadProgress(): Promise<Progress[]>;
}

export interface SharingService {
  createShareLink(patternId: string, options?: ShareOptions): Promise<Share>;
  loadSharedPattern(shareId: string): Promise<SharedPattern>;
  revokeShareLink(shareId: string): Promise<void>;
  listShares(): Promise<Share[]>;
}

export interface PaymentService {
  listPlans(): Promise<Plan[]>;
  createCheckoutSession(priceId: string): Promise<{ id: string; url: string }>;
  getSubscription(): Promise<Subscription | null>;
  cancelSubscription(): Promise<Subscription>;
  /** Undoes a pending cancellation (`cancelAtPeriodEnd` back to false). */
  resumeSubscription(): Promise<Subscription>;
  listInvoices(options?: PageOptions): Promise<InvoicePage>;
  createPortalSession(): Promise<{ url: string }>;
}

export interface ContentService {
  loadCurriculum(): Promise<LessonSummary[]>;
  loadLesson(id: string): Promise<Lesson>;
  createLesson(input: LessonInput): Promise<Lesson>;
  updateLesson(id: string, input: Omit<LessonInput, "id">): Promise<Lesson>;
  deleteLesson(id: string): Promise<void>;
}

/** A key/value store, sync (localStorage) or async (IndexedDB, tests' in-memory stores). */
export interface KeyValueStorage {
  getItem(key: string): string | null | Promise<string | null>;
  setItem(key: string, value: string): void | Promise<void>;
  removeItem(key: string): void | Promise<void>;
}

export interface BacklineOptions {
  /** Origin of the API in http mode, e.g. "https://api.example.com"; "" (same origin) by default. */
  baseUrl?: string;
  /** Explicit mode; otherwise `?backend=real` in the page URL means http, anything else stub. */
  mode?: BacklineMode;
  /** The fetch to use in http mode (default: globalThis.fetch). */
  fetch?: typeof fetch;
  /** Where local data (and in stub mode, the stub's data) is kept; default IndexedDB, else localStorage, else memory. */
  storage?: KeyValueStorage;
  /** Stub mode: where the stub keeps its "server" data (default: `storage`, else localStorage). */
  stubStorage?: KeyValueStorage;
  /** Retry bounds in http mode. */
  retry?: { rateLimited?: number; network?: number; maxWaitSeconds?: number };
  /** Stub mode: emails that become admins when they sign up. */
  stubAdmins?: string[];
  /** Stub mode: base of share link URLs (default `<page origin>/share`). */
  stubShareBaseUrl?: string;
  /** Stub mode: the frontend its emails link to (`<stubAppUrl>/reset-password?token=…`), like the API's APP_URL; default the page origin. */
  stubAppUrl?: string;
  /** Usage events: flush interval, queue bound, whether consent is required first. */
  events?: EventsOptions;
}

export interface Backline {
  readonly mode: BacklineMode;
  setMode(mode: BacklineMode): void;
  readonly auth: AuthService;
  readonly mfa: MfaService;
  readonly passkeys: PasskeyService;
  readonly dataSync: DataSyncService;
  readonly sharing: SharingService;
  readonly payment: PaymentService;
  readonly content: ContentService;
  readonly apiKeys: ApiKeysService;
  /** Teams and classes: members, invitations, class progress, team API keys. */
  readonly teams: TeamsService;
  /** Queues a usage event (shorthand for `events.track`). */
  track(name: string, props?: EventProps): void;
  readonly events: EventsService;
  /** The learner's progress summary. */
  readonly progress: ProgressService;
  /** Admin metrics (admins only). */
  readonly metrics: MetricsService;
  /** The admin API: users, audit log, webhook ledger, refunds (admins only). */
  readonly admin: AdminService;
  /**
   * Stub mode: the emails the stub "sent" (verification, reset, notices), newest first,
   * optionally only those to `to`. In http mode this rejects: emails go to real inboxes.
   */
  readStubMailbox(to?: string): Promise<StubEmail[]>;
}
