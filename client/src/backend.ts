/**
 * What the services need from a backend: one method per API call, in the API's own shapes.
 * `HttpBackend` makes the calls; `StubBackend` answers them in the browser, the same way.
 */
import type { components } from "./api";
import type { MfaBackend, PasskeyBackend } from "./backend-mfa";
import type {
  DateRange,
  MetricData,
  MetricName,
  ProgressSummary,
  TrackEventsRequest,
  TrackEventsResponse,
} from "./events-types";
import type { AdminBackend } from "./services/admin";
import type { TeamBackend } from "./teams-types";
import type {
  ApiKey,
  ApiKeyWithSecret,
  CreateApiKeyInput,
  InvoicePage,
  Lesson,
  LessonSummary,
  OAuthProvider,
  PageOptions,
  PasswordChangeInput,
  PasswordResetInput,
  Plan,
  ProfileChanges,
  Progress,
  ProviderFlowOptions,
  ProviderInfo,
  RotatedApiKey,
  SavedPattern,
  Session,
  Share,
  SharedPattern,
  SignInMethods,
  Subscription,
  User,
} from "./types";

type Schemas = components["schemas"];
export type ServerPattern = Schemas["Pattern"];
export type PatternChange =
  | { op: "upsert"; id: string; baseVersion?: number; pattern: Schemas["ReplacePattern"] }
  | { op: "delete"; id: string; baseVersion?: number };
/** `teamId`: that team's patterns, with the team's cursor. */
export type SyncRequest = { since: string; changes: PatternChange[]; teamId?: string };
export type SyncResponse = Schemas["SyncResponse"];
export type AttemptInput = Schemas["ProgressAttempt"];
export type ProgressSyncResponse = {
  results: { lessonId: string; status: "applied" | "rejected"; progress?: Progress; reason?: string }[];
  progress: Progress[];
};
export type CreateShareInput = { patternId: string; public?: boolean; expiresIn?: number | null };
export type LessonBody = Schemas["LessonInput"];

/** Second factors and passkeys: backend-mfa.ts; the admin API: services/admin.ts; teams: teams-types.ts. */
export interface Backend extends MfaBackend, PasskeyBackend, AdminBackend, TeamBackend {
  /** Restores a session (refresh cookie, or the stub's saved session); null when there is none. */
  restoreSession(): Promise<User | null>;
  signUp(body: Schemas["SignupRequest"]): Promise<User>;
  /** Rejects with the `…/mfa-required` BacklineError (mfa-required.ts) when a second factor is on. */
  signIn(body: Schemas["SigninRequest"]): Promise<User>;
  signOut(): Promise<void>;
  requestPasswordReset(email: string): Promise<void>;
  resetPassword(body: PasswordResetInput): Promise<void>;
  /** POST /api/auth/password/change. */
  changePassword(body: PasswordChangeInput): Promise<void>;
  verifyEmail(token: string): Promise<void>;
  requestEmailVerification(): Promise<void>;
  /** GET /api/me. */
  getMe(): Promise<User>;
  /** PATCH /api/me. */
  updateMe(body: ProfileChanges): Promise<User>;
  /** DELETE /api/me; the session is gone afterwards. */
  deleteMe(password?: string): Promise<void>;
  listSessions(): Promise<Session[]>;
  revokeSession(id: string): Promise<void>;
  /** POST /api/auth/signout-all; the session is gone afterwards. */
  signOutAll(): Promise<void>;
  /** GET /api/auth/providers. */
  listProviders(): Promise<ProviderInfo[]>;
  /** Starts a provider sign-in: http gives the start URL to navigate to; the stub signs in at once. */
  startProviderSignIn(
    provider: OAuthProvider,
    redirect: string,
    stubAccount?: ProviderFlowOptions["stubAccount"],
  ): Promise<{ navigate: string } | { user: User }>;
  /** GET /api/me/identities. */
  listIdentities(): Promise<SignInMethods>;
  /** POST /api/me/identities/:provider: http gives the provider URL to navigate to; the stub links at once. */
  linkIdentity(
    provider: OAuthProvider,
    redirect: string,
    stubAccount?: ProviderFlowOptions["stubAccount"],
  ): Promise<{ navigate: string } | { linked: true }>;
  /** DELETE /api/me/identities/:provider. */
  unlinkIdentity(provider: OAuthProvider): Promise<void>;
  /** POST /api/me/email. */
  changeEmail(body: { newEmail: string; password?: string }): Promise<void>;
  /** POST /api/me/email/confirm. */
  confirmEmailChange(token: string): Promise<{ email: string }>;
  /** Registers the callback for a session that ended on its own (refresh refused). */
  onSessionLost(callback: () => void): void;

  syncPatterns(body: SyncRequest): Promise<SyncResponse>;
  getPattern(id: string): Promise<SavedPattern>;

  recordProgress(attempt: AttemptInput): Promise<Progress>;
  syncProgress(attempts: AttemptInput[]): Promise<ProgressSyncResponse>;
  listProgress(): Promise<Progress[]>;

  createShare(body: CreateShareInput): Promise<Share>;
  openShare(shareId: string): Promise<SharedPattern>;
  revokeShare(shareId: string): Promise<void>;
  listShares(): Promise<Share[]>;

  listLessons(): Promise<LessonSummary[]>;
  getLesson(id: string): Promise<Lesson>;
  createLesson(body: LessonBody): Promise<Lesson>;
  updateLesson(id: string, body: Omit<LessonBody, "id">): Promise<Lesson>;
  deleteLesson(id: string): Promise<void>;

  listPlans(): Promise<Plan[]>;
  checkout(priceId: string): Promise<{ id: string; url: string }>;
  getSubscription(): Promise<Subscription | null>;
  cancelSubscription(): Promise<Subscription>;
  resumeSubscription(): Promise<Subscription>;
  listInvoices(query: PageOptions): Promise<InvoicePage>;
  portal(): Promise<{ url: string }>;

  trackEvents(body: TrackEventsRequest, options?: { keepalive?: boolean }): Promise<TrackEventsResponse>;
  progressSummary(timeZone: string): Promise<ProgressSummary>;
  adminMetric<K extends MetricName>(name: K, range: DateRange): Promise<MetricData[K]>;
  listApiKeys(): Promise<ApiKey[]>;
  createApiKey(body: CreateApiKeyInput): Promise<ApiKeyWithSecret>;
  revokeApiKey(id: string): Promise<void>;
  rotateApiKey(id: string): Promise<RotatedApiKey>;
}
