-- Custom SQL migration file, put your code below! --
-- Raises SQLSTATE BL401 unless the session is live (not revoked, not expired) and belongs to
-- the user. Sent in the same transaction as a request's first statement while Redis cannot
-- say whether the session was revoked, so a revoked session's write never commits
-- (shared/db-errors.ts maps BL401 to the 401 invalid-access-token problem).
create or replace function assert_live_session(p_session_id uuid, p_user_id uuid) returns void
language plpgsql stable as $$
begin
  if not exists (
    select 1 from sessions
    where id = p_session_id and user_id = p_user_id and revoked_at is null and expires_at > now()
  ) then
    raise exception 'session is not live' using errcode = 'BL401';
  end if;
end
$$;
