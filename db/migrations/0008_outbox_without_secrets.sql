-- Emailed links never rest in the database in plaintext (issue #12). The outbox keeps the
-- template, its non-secret parameters and a reference to the token row; the sender mints the
-- token's secret when the email goes out and stores only its hash. Tokens get a surrogate key
-- since their hash is unknown (null) until then; issued tokens keep their hash and stay valid.
ALTER TABLE "email_tokens" DROP CONSTRAINT "email_tokens_pkey";--> statement-breakpoint
ALTER TABLE "email_tokens" ALTER COLUMN "token_hash" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "email_tokens" ADD COLUMN "id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "email_tokens_hash_unique" ON "email_tokens" USING btree ("token_hash");--> statement-breakpoint
ALTER TABLE "email_outbox" ALTER COLUMN "to" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "email_outbox" ADD COLUMN "params" jsonb;--> statement-breakpoint
ALTER TABLE "email_outbox" ADD COLUMN "token_id" uuid;--> statement-breakpoint
ALTER TABLE "email_outbox" ADD CONSTRAINT "email_outbox_token_id_email_tokens_id_fk" FOREIGN KEY ("token_id") REFERENCES "public"."email_tokens"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Unsent emails that carry a link hold its secret in their body and cannot be tied to a token
-- row that the sender could re-mint: they go (the user asks for a new link).
DELETE FROM "email_outbox" WHERE "sent_at" IS NULL AND "template" IN ('verify-email', 'reset-password');--> statement-breakpoint
-- The other unsent emails stay sendable: their one parameter, the display name, is read back
-- from the greeting line ("Hi <name>,") every such template starts with.
UPDATE "email_outbox" SET "params" = jsonb_build_object('displayName', coalesce(substring("text" from '^Hi ([^\n]*),\n'), 'there')) WHERE "sent_at" IS NULL;--> statement-breakpoint
-- Sent emails keep no body, and those of deleted accounts no recipient either.
UPDATE "email_outbox" SET "to" = NULL WHERE "sent_at" IS NOT NULL AND "user_id" IS NULL;--> statement-breakpoint
ALTER TABLE "email_outbox" DROP COLUMN "subject";--> statement-breakpoint
ALTER TABLE "email_outbox" DROP COLUMN "text";--> statement-breakpoint
ALTER TABLE "email_outbox" DROP COLUMN "html";--> statement-breakpoint
CREATE INDEX "email_outbox_sent_idx" ON "email_outbox" USING btree ("sent_at") WHERE sent_at is not null;
