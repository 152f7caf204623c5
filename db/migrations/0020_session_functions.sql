-- Custom SQL migration file, put your code below! --
-- A refresh token's rotation as a PL/pgSQL function (issue #18), for the reason migration 0019
-- gives: its statement, sent as text on every refresh, was parsed and planned each time; a
-- function's statement is planned once per connection. The statement is the one
-- rotateRefreshToken (db/queries/sessions.ts) sent before, unchanged: the presented token's
-- session, locked; the outcome (rotate, grace, reuse or invalid); the session's update; an audit
-- entry for a reuse; the outcome with the user's claims.
create or replace function rotate_refresh_token(
  p_session_id uuid,
  p_presented_hash text,
  p_presented_was_issued boolean,
  p_new_hash text,
  p_ip text,
  p_user_agent text,
  p_idle_days integer,
  p_grace_seconds integer
) returns table (outcome text, user_id uuid, role text, tier text, email_verified boolean)
language plpgsql volatile as $$
#variable_conflict use_column
begin
  return query
  with current as (
    select s.id, s.user_id, s.refresh_hash, s.previous_refresh_hash, s.rotated_at, s.expires_at,
           s.last_used_at, s.revoked_at, u.role, u.tier, u.email_verified_at, u.disabled_at
    from sessions s join users u on u.id = s.user_id
    where s.id = p_session_id
    for update of s
  ),
  decision as (
    select c.*, case
      when c.revoked_at is not null or c.disabled_at is not null or c.expires_at <= now()
        or c.last_used_at <= now() - make_interval(days => p_idle_days) then 'invalid'
      when c.refresh_hash = p_presented_hash then 'rotate'
      when c.previous_refresh_hash = p_presented_hash
        and c.rotated_at > now() - make_interval(secs => p_grace_seconds) then 'grace'
      when p_presented_was_issued then 'reuse'
      else 'invalid'
    end as outcome
    from current c
  ),
  -- One update whose outcome picks the columns (one data-modifying statement, not three).
  updated as (
    update sessions set
      refresh_hash = case when d.outcome = 'rotate' then p_new_hash else sessions.refresh_hash end,
      previous_refresh_hash = case when d.outcome = 'rotate' then d.refresh_hash else sessions.previous_refresh_hash end,
      rotated_at = case when d.outcome = 'rotate' then now() else sessions.rotated_at end,
      last_used_at = case when d.outcome = 'reuse' then sessions.last_used_at else now() end,
      revoked_at = case when d.outcome = 'reuse' then now() else sessions.revoked_at end
    from decision d where sessions.id = d.id and d.outcome <> 'invalid'
  ),
  audited as (
    insert into audit_logs (actor_id, action, target_type, target_id, ip, user_agent, metadata)
    select d.user_id, 'session.refresh_reuse_detected', 'session', d.id::text, p_ip, p_user_agent, '{}'::jsonb
    from decision d where d.outcome = 'reuse'
  )
  select d.outcome, d.user_id, d.role, d.tier, d.email_verified_at is not null
  from decision d;
end
$$;
