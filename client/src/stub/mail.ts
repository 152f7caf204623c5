/**
 * The stub's emails: the server's templates (shared/email/templates.ts), "sent" into an
 * outbox in the stub's data that `readStubMailbox` shows, and the single-use tokens their
 * links carry, kept by hash like the server's email_tokens.
 */
import { toBase64Url } from "../../../shared/base64url";
import { type EmailTemplate, renderEmail } from "../../../shared/email/templates";
import { randomId } from "../errors";
import type { StubEmail } from "../types";
import type { StubDb, StubEmailToken, StubWorld } from "./world";

/** The server's token lifetimes (db/queries/email-tokens.ts TOKEN_TTL_MS). */
const TOKEN_TTL_MS: Record<StubEmailToken["purpose"], number> = {
  verify_email: 24 * 3600_000,
  reset_password: 3600_000,
  change_email: 24 * 3600_000,
};

/** The outbox keeps the newest emails only, like a mail catcher. */
const MAX_EMAILS = 200;

/** SHA-256 of a text, hex: how the stub keeps passwords (salted) and tokens. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A new emailed token (256 bits, base64url, as shared/crypto.ts randomToken) and its hash. */
export async function newEmailToken(): Promise<{ token: string; hash: string }> {
  const token = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  return { token, hash: await sha256Hex(token) };
}

/** Stores a token for a user (inside a transaction). */
export function saveEmailToken(
  db: StubDb,
  hash: string,
  userId: string,
  purpose: StubEmailToken["purpose"],
): void {
  const expiresAt = new Date(Date.now() + TOKEN_TTL_MS[purpose]).toISOString();
  db.emailTokens[hash] = { userId, purpose, expiresAt, usedAt: null };
}

/** Uses a valid, unused token of this purpose: its user id, or undefined. */
export function consumeEmailToken(
  db: StubDb,
  hash: string,
  purpose: StubEmailToken["purpose"],
): string | undefined {
  const token = db.emailTokens[hash];
  if (!token || token.purpose !== purpose || token.usedAt || Date.parse(token.expiresAt) <= Date.now())
    return undefined;
  token.usedAt = new Date().toISOString();
  return token.userId;
}

/** The frontend link that carries an emailed token (shared/email/links.ts tokenLink). */
export function appLink(
  world: StubWorld,
  page: "verify-email" | "reset-password" | "confirm-email",
  token: string,
): string {
  const url = new URL(page, `${world.appUrl}/`);
  url.searchParams.set("token", token);
  return url.toString();
}

/** "Sends" an email, with its link for the templates that carry one: it lands in the stub's outbox. */
export function sendEmail(db: StubDb, to: string, email: EmailTemplate, link?: string): void {
  const rendered = renderEmail(email, link);
  db.outbox.unshift({
    id: randomId(),
    to,
    template: email.template,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    sentAt: new Date().toISOString(),
  });
  if (db.outbox.length > MAX_EMAILS) db.outbox.length = MAX_EMAILS;
}

/** The outbox, newest first, optionally only the emails to one address. */
export async function readOutbox(world: StubWorld, to?: string): Promise<StubEmail[]> {
  const { outbox } = await world.read();
  const wanted = to?.trim().toLowerCase();
  return wanted ? outbox.filter((m) => m.to === wanted) : outbox;
}
