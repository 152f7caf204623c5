-- Custom SQL migration file, put your code below! --
-- assert_live_api_key (migration 0014), with one more condition: a team's key (team_id set) is
-- live only while its creator (user_id) still manages the team (team_role(), migration 0016;
-- the roles are db/enums.ts TEAM_MANAGER_ROLES). A deleted team takes its keys with it (the
-- foreign key cascades). Same signature, so the statement each key-authenticated request
-- sends ahead of its first one (db/queries/api-keys.ts liveApiKeyAssertion) is unchanged, and
-- a creator demoted or removed is refused on the very next request, cached facts or not.
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
      and (k.team_id is null or team_role(k.team_id, k.user_id) in ('owner', 'admin', 'teacher'))
  ) then
    raise exception 'api key is not live' using errcode = 'BL401';
  end if;
  update api_keys set last_used_at = now()
  where id = p_key_id and (last_used_at is null or last_used_at < now() - interval '60 seconds');
end
$$;
