/** Worker bindings: the generated `Env` plus the local-only stand-in overrides. */
export type Bindings = Env & {
  /** Local only: Neon HTTP SQL endpoint of the dev stack. A production worker refuses to run with it set. */
  NEON_HTTP_ENDPOINT?: string;
  /** Local only: base URL of the Stripe emulator. A production worker refuses to run with it set. */
  STRIPE_API_BASE?: string;
  /** Local only: the dev/ mailbox (MAIL_TRANSPORT=mailbox). A production worker refuses to run with it set. */
  MAIL_URL?: string;
  /** Local only: the dev/ Google stand-in's issuer URL. A production worker refuses to run with it set. */
  OAUTH_GOOGLE_BASE_URL?: string;
  /** Local only: the dev/ GitHub stand-in's base URL. A production worker refuses to run with it set. */
  OAUTH_GITHUB_BASE_URL?: string;
  /** Sign in with Google: offered when both are set (the secret with `wrangler secret put`). */
  OAUTH_GOOGLE_CLIENT_ID?: string;
  OAUTH_GOOGLE_CLIENT_SECRET?: string;
  /** Sign in with GitHub: offered when both are set (the secret with `wrangler secret put`). */
  OAUTH_GITHUB_CLIENT_ID?: string;
  OAUTH_GITHUB_CLIENT_SECRET?: string;
  /** Secret: email provider key (MAIL_TRANSPORT=resend|postmark). */
  MAIL_API_KEY?: string;
  /** Which requests are logged: `all` or `errors` (5xx and slow); unset: `errors` with the stand-ins, else `all`. */
  LOG_REQUESTS?: string;
  /** Passkeys: the domain they are bound to; default APP_URL's host. */
  WEBAUTHN_RP_ID?: string;
  /** Passkeys: where they may be used from, comma-separated; default the ALLOWED_ORIGINS on WEBAUTHN_RP_ID's domain. */
  WEBAUTHN_ORIGINS?: string;
  /** Local only: a lower scrypt cost (log2 N) for test runs. A production worker refuses to run with it set. */
  PASSWORD_HASH_COST?: string;
  /** Secret: the previous JWT secret during a rotation. */
  JWT_SECRET_PREVIOUS?: string;
};
