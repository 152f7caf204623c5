-- Custom SQL migration file, put your code below! --
-- The Stripe webhook's rules that PostgreSQL must plan on every delivery, as PL/pgSQL functions
-- (issue #18). A statement sent as text over Neon's HTTP API is parsed and planned each time; a
-- PL/pgSQL function's statements are planned once per connection and the plans reused (Neon's
-- pooled connections outlive requests). For a subscription event's batch this cut PostgreSQL's
-- CPU from about 2.0 to 0.6 ms per delivery (bench/pg-cost.ts). The callers are the named
-- queries in db/queries/billing.ts and db/queries/webhook-events.ts.

-- db/entitlements.ts's rule: one of the user's subscriptions to a plan's price, active or
-- trialing (p_premium_statuses), or past_due (p_grace_status) within the grace period.
create or replace function entitles_premium(
  p_user_id uuid,
  p_plan_prices text[],
  p_premium_statuses text[],
  p_grace_status text,
  p_grace_seconds double precision
) returns boolean
language plpgsql stable as $$
begin
  return exists (
    select 1 from subscriptions s
    where s.user_id = p_user_id and s.price_id = any(p_plan_prices)
      and (s.status = any(p_premium_statuses)
        or (s.status = p_grace_status and s.past_due_since > now() - make_interval(secs => p_grace_seconds))));
end
$$;
--> statement-breakpoint

-- Sets the tier the user's subscriptions entitle them to and audit-logs a change (p_reason, with
-- the new tier). Nothing when the user is null or unknown, or the tier is already right.
create or replace function recompute_tier(
  p_user_id uuid,
  p_plan_prices text[],
  p_premium_statuses text[],
  p_grace_status text,
  p_grace_seconds double precision,
  p_reason jsonb
) returns void
language plpgsql volatile as $$
declare
  v_tier text;
begin
  if p_user_id is null then
    return;
  end if;
  v_tier := case
    when entitles_premium(p_user_id, p_plan_prices, p_premium_statuses, p_grace_status, p_grace_seconds)
    then 'premium' else 'free' end;
  with changed as (
    update users set tier = v_tier, updated_at = now()
    where id = p_user_id and tier <> v_tier
    returning id, tier
  )
  insert into audit_logs (actor_id, action, target_type, target_id, metadata)
  select null, 'billing.tier_changed', 'user', c.id::text, p_reason || jsonb_build_object('tier', c.tier)
  from changed c;
end
$$;
--> statement-breakpoint

-- Whether an event concerns an account deleted here: its customer was closed when an account was
-- deleted (the audit entry of CUSTOMER_DELETED in db/queries/webhook-events.ts), or its metadata
-- names a deleted user; and no user holds the customer now. Each audit probe is one lookup in
-- audit_logs_target_idx (target_type, target_id, action).
create or replace function concerns_deleted_account(p_customer_id text, p_user_id text) returns boolean
language plpgsql stable as $$
begin
  return (exists (select 1 from audit_logs
        where target_type = 'stripe_customer' and target_id = p_customer_id
          and action = 'billing.customer_deleted')
      or exists (select 1 from audit_logs
        where target_type = 'user' and target_id = p_user_id and action = 'user.deleted'))
    and not exists (select 1 from users where stripe_customer_id = p_customer_id);
end
$$;
--> statement-breakpoint

-- A first delivery's claim, recorded as processed at once: a new event, or a failed one, or one
-- whose claim went stale (p_stale_seconds), unless it concerns a deleted account or was stored
-- scrubbed. Otherwise it raises division_by_zero (22012), which aborts the batch it leads.
create or replace function claim_event_as_processed(
  p_id text,
  p_type text,
  p_created_at timestamptz,
  p_payload jsonb,
  p_customer_id text,
  p_user_id text,
  p_stale_seconds double precision
) returns integer
language plpgsql volatile as $$
begin
  insert into stripe_events as cur (id, type, created_at, status, processed_at, payload)
  select p_id, p_type, p_created_at, 'processed', now(), p_payload
  where not concerns_deleted_account(p_customer_id, p_user_id)
  on conflict (id) do update set
    status = 'processed', attempts = cur.attempts + 1, claimed_at = now(), processed_at = now(), error = null
  where (cur.status = 'failed'
      or (cur.status = 'processing' and cur.claimed_at < now() - make_interval(secs => p_stale_seconds)))
    and cur.payload #> '{data,object,scrubbed}' is distinct from 'true'::jsonb;
  if not found then
    raise exception 'event % not claimed', p_id using errcode = 'division_by_zero';
  end if;
  return 1;
end
$$;
