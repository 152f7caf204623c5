import { sql } from "drizzle-orm";
import { bigint, index, integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./users";

/**
 * A passkey (WebAuthn credential) of an account. `credentialId` is the authenticator's id
 * (base64url), unique across accounts; `publicKey` its key as SPKI (base64url), with the COSE
 * `algorithm` it signs with. `signCount` is the last signature counter seen (0: the authenticator
 * keeps none); a counter that does not grow means a cloned authenticator and is refused.
 */
export const passkeys = pgTable(
  "passkeys",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    credentialId: text().notNull().unique("passkeys_credential_id_unique"),
    publicKey: text().notNull(),
    algorithm: integer().notNull(),
    signCount: bigint({ mode: "number" }).notNull().default(0),
    transports: text().array().notNull().default(sql`'{}'::text[]`),
    name: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp({ withTimezone: true }),
  },
  (t) => [index("passkeys_user_idx").on(t.userId)],
);

export type Passkey = typeof passkeys.$inferSelect;
