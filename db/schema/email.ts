import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { teamInvitations } from "./teams";
import { users } from "./users";

export const EMAIL_TOKEN_PURPOSES = ["verify_email", "reset_password", "change_email"] as const;
export type EmailTokenPurpose = (typeof EMAIL_TOKEN_PURPOSES)[number];

/**
 * Single-use tokens sent by email (verification, password reset). The row is written with
 * the action that asks for the email; its secret is minted by the outbox sender when the
 * email goes out, and only the secret's hash is kept (null until then).
 */
export const emailTokens = pgTable(
  "email_tokens",
  {
    id: uuid().primaryKey().defaultRandom(),
    tokenHash: text(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: text({ enum: EMAIL_TOKEN_PURPOSES }).notNull(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    usedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** change_email: the address the account moves to once its owner confirms from there. */
    newEmail: text(),
    /** change_email: the session that asked, kept when the change signs out the others. */
    sessionId: uuid(),
  },
  (t) => [
    uniqueIndex("email_tokens_hash_unique").on(t.tokenHash),
    index("email_tokens_user_idx").on(t.userId, t.purpose),
  ],
);

/** A template's parameters as the outbox keeps them: never a secret (links are minted at send time). */
export type EmailParams = Record<string, string>;

/** What the outbox keeps of an email before it is sent: its template and non-secret parameters. */
export interface QueuedEmail {
  template: string;
  params: EmailParams;
}

/**
 * Emails to send. Rows are written in the same batch as the action that causes them,
 * sent after the commit, and retried by the scheduled handler until sent. A row keeps
 * what rendering needs (template, parameters, the token whose link it carries), never a
 * rendered body; once sent it loses its parameters, and a row of a deleted account (no
 * `user_id`) its recipient too. Sent rows are purged after a retention period.
 */
export const emailOutbox = pgTable(
  "email_outbox",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid().references(() => users.id, { onDelete: "cascade" }),
    to: text(),
    template: text().notNull(),
    params: jsonb().$type<EmailParams>(),
    tokenId: uuid().references(() => emailTokens.id, { onDelete: "cascade" }),
    /** A team invitation whose link this email carries (its secret is minted at send time too). */
    invitationId: uuid().references(() => teamInvitations.id, { onDelete: "cascade" }),
    attempts: integer().notNull().default(0),
    lastError: text(),
    sentAt: timestamp({ withTimezone: true }),
    nextAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("email_outbox_pending_idx").on(t.nextAttemptAt).where(sql`sent_at is null`),
    index("email_outbox_sent_idx").on(t.sentAt).where(sql`sent_at is not null`),
  ],
);
