CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"name" text NOT NULL,
	"scopes" text[] NOT NULL,
	"secret_hash" text NOT NULL,
	"previous_secret_hash" text,
	"rotated_at" timestamp with time zone,
	"prefix" text NOT NULL,
	"last_four" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_secretHash_unique" UNIQUE("secret_hash"),
	CONSTRAINT "api_keys_scopes_check" CHECK (cardinality("api_keys"."scopes") > 0)
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_keys_user_idx" ON "api_keys" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "api_keys_previous_hash_idx" ON "api_keys" USING btree ("previous_secret_hash");--> statement-breakpoint
-- Raises SQLSTATE BL401 unless the API key is live for this secret: not revoked, not expired,
-- presented with its current secret or with the previous one within the rotation grace, its
-- owner not disabled and, when p_role is given, still holding that role. Sent in the same
-- transaction as every key-authenticated request's first statement, so a revoked key's
-- request never commits. It also records the use, at most once a minute per key.
create or replace function assert_live_api_key(
  p_key_id text, p_secret_hash text, p_user_id uuid, p_role text, p_grace_seconds integer
) returns void
language plpgsql volatile as $$
begin
  if not exists (
    select 1 from api_keys k join users u on u.id = k.user_id
    where k.id = p_key_id and k.user_id = p_user_id and k.revoked_at is null
      and (k.expires_at is null or k.expires_at > now())
      and (k.secret_hash = p_secret_hash
        or (k.previous_secret_hash = p_secret_hash
          and k.rotated_at > now() - make_interval(secs => p_grace_seconds)))
      and u.disabled_at is null and (p_role is null or u.role = p_role)
  ) then
    raise exception 'api key is not live' using errcode = 'BL401';
  end if;
  update api_keys set last_used_at = now()
  where id = p_key_id and (last_used_at is null or last_used_at < now() - interval '60 seconds');
end
$$;
