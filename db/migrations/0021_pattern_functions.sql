-- Custom SQL migration file, put your code below! --
-- A pattern's create as a PL/pgSQL function (issue #18), for the reason migration 0019 gives: a
-- function's statements are planned once per connection, not parsed and planned on every
-- create. Each branch is the statement createPatternStatement (db/queries/patterns.ts) sent
-- before, unchanged:
-- - a personal pattern takes its change_seq from users.pattern_seq; a free account counts its
--   live personal patterns against p_free_limit, and with p_premium_only only a premium
--   account's pattern is created (no count, no lock needed: createPattern);
-- - a team's pattern takes it from teams.pattern_seq, needs the author's membership, and counts
--   toward p_team_limit.
-- Answers the created row and the existing one with the id (as JSON), and whether the author
-- may write to the team (true for a personal pattern).
create or replace function create_pattern(
  p_id uuid,
  p_user_id uuid,
  p_team_id uuid,
  p_name text,
  p_tempo integer,
  p_tracks jsonb,
  p_mixer jsonb,
  p_is_public boolean,
  p_premium_only boolean,
  p_free_limit integer,
  p_team_limit integer
) returns table (created json, existing json, member boolean)
language plpgsql volatile as $$
#variable_conflict use_column
begin
  if p_team_id is null then
    return query
    with existing as (select * from patterns where id = p_id),
    seq as (
      update users set pattern_seq = pattern_seq + 1
      where id = p_user_id and not exists (select 1 from existing)
        and (tier = 'premium'
          or (not p_premium_only
            and (select count(*) from patterns
                 where user_id = p_user_id and team_id is null and deleted_at is null) < p_free_limit))
      returning pattern_seq
    ),
    ins as (
      insert into patterns (id, user_id, team_id, name, tempo, tracks, mixer, is_public, change_seq)
      select p_id, p_user_id, null, p_name, p_tempo, p_tracks, p_mixer, p_is_public, seq.pattern_seq
      from seq
      on conflict (id) do nothing
      returning *
    )
    select (select row_to_json(ins) from ins), (select row_to_json(e) from existing e), true;
  else
    return query
    with existing as (select * from patterns where id = p_id),
    seq as (
      update teams set pattern_seq = pattern_seq + 1
      where id = p_team_id and team_role(p_team_id, p_user_id) is not null
        and not exists (select 1 from existing)
        and (select count(*) from patterns
             where team_id = p_team_id and deleted_at is null) < p_team_limit
      returning pattern_seq
    ),
    ins as (
      insert into patterns (id, user_id, team_id, name, tempo, tracks, mixer, is_public, change_seq)
      select p_id, p_user_id, p_team_id, p_name, p_tempo, p_tracks, p_mixer, p_is_public, seq.pattern_seq
      from seq
      on conflict (id) do nothing
      returning *
    )
    select (select row_to_json(ins) from ins), (select row_to_json(e) from existing e),
      team_role(p_team_id, p_user_id) is not null;
  end if;
end
$$;
