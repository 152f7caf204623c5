-- Issue #14: change of email and linking from the account. A change_email token carries the
-- address the account moves to and the session that asked (kept when the others are signed
-- out); a user links at most one account per provider, so unlinking names the provider.
DROP INDEX "identities_user_idx";--> statement-breakpoint
ALTER TABLE "email_tokens" ADD COLUMN "new_email" text;--> statement-breakpoint
ALTER TABLE "email_tokens" ADD COLUMN "session_id" uuid;--> statement-breakpoint
CREATE UNIQUE INDEX "identities_user_provider_unique" ON "identities" USING btree ("user_id","provider");