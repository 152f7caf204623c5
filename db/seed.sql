-- Sample curriculum for the dev stack and tests: 24 lessons in 4 categories, the last two
-- of each category premium. Idempotent: run on every stack start.
insert into lessons (id, title, category, difficulty, config, is_premium, position, published_at) values
  ('counting-beats', 'Counting beats', 'rhythm-basics', 'beginner', '{"bpm": 80, "steps": 16, "goal": "Counting beats"}'::jsonb, false, 1, now()),
  ('quarter-notes', 'Quarter notes', 'rhythm-basics', 'beginner', '{"bpm": 90, "steps": 16, "goal": "Quarter notes"}'::jsonb, false, 2, now()),
  ('eighth-notes', 'Eighth notes', 'rhythm-basics', 'intermediate', '{"bpm": 100, "steps": 16, "goal": "Eighth notes"}'::jsonb, false, 3, now()),
  ('rests-and-silence', 'Rests and silence', 'rhythm-basics', 'intermediate', '{"bpm": 110, "steps": 16, "goal": "Rests and silence"}'::jsonb, false, 4, now()),
  ('sixteenth-notes', 'Sixteenth notes', 'rhythm-basics', 'advanced', '{"bpm": 120, "steps": 16, "goal": "Sixteenth notes"}'::jsonb, true, 5, now()),
  ('syncopation', 'Syncopation', 'rhythm-basics', 'advanced', '{"bpm": 130, "steps": 16, "goal": "Syncopation"}'::jsonb, true, 6, now()),
  ('your-first-kick-pattern', 'Your first kick pattern', 'drum-programming', 'beginner', '{"bpm": 80, "steps": 16, "goal": "Your first kick pattern"}'::jsonb, false, 1, now()),
  ('backbeat-snare', 'Backbeat snare', 'drum-programming', 'beginner', '{"bpm": 90, "steps": 16, "goal": "Backbeat snare"}'::jsonb, false, 2, now()),
  ('hi-hat-grooves', 'Hi-hat grooves', 'drum-programming', 'intermediate', '{"bpm": 100, "steps": 16, "goal": "Hi-hat grooves"}'::jsonb, false, 3, now()),
  ('four-on-the-floor', 'Four on the floor', 'drum-programming', 'intermediate', '{"bpm": 110, "steps": 16, "goal": "Four on the floor"}'::jsonb, false, 4, now()),
  ('boom-bap', 'Boom bap', 'drum-programming', 'advanced', '{"bpm": 120, "steps": 16, "goal": "Boom bap"}'::jsonb, true, 5, now()),
  ('trap-hi-hat-rolls', 'Trap hi-hat rolls', 'drum-programming', 'advanced', '{"bpm": 130, "steps": 16, "goal": "Trap hi-hat rolls"}'::jsonb, true, 6, now()),
  ('notes-on-the-keyboard', 'Notes on the keyboard', 'melody-and-harmony', 'beginner', '{"bpm": 80, "steps": 16, "goal": "Notes on the keyboard"}'::jsonb, false, 1, now()),
  ('major-scale', 'Major scale', 'melody-and-harmony', 'beginner', '{"bpm": 90, "steps": 16, "goal": "Major scale"}'::jsonb, false, 2, now()),
  ('minor-scale', 'Minor scale', 'melody-and-harmony', 'intermediate', '{"bpm": 100, "steps": 16, "goal": "Minor scale"}'::jsonb, false, 3, now()),
  ('building-chords', 'Building chords', 'melody-and-harmony', 'intermediate', '{"bpm": 110, "steps": 16, "goal": "Building chords"}'::jsonb, false, 4, now()),
  ('chord-progressions', 'Chord progressions', 'melody-and-harmony', 'advanced', '{"bpm": 120, "steps": 16, "goal": "Chord progressions"}'::jsonb, true, 5, now()),
  ('writing-a-hook', 'Writing a hook', 'melody-and-harmony', 'advanced', '{"bpm": 130, "steps": 16, "goal": "Writing a hook"}'::jsonb, true, 6, now()),
  ('levels-and-gain', 'Levels and gain', 'mixing', 'beginner', '{"bpm": 80, "steps": 16, "goal": "Levels and gain"}'::jsonb, false, 1, now()),
  ('panning', 'Panning', 'mixing', 'beginner', '{"bpm": 90, "steps": 16, "goal": "Panning"}'::jsonb, false, 2, now()),
  ('eq-basics', 'EQ basics', 'mixing', 'intermediate', '{"bpm": 100, "steps": 16, "goal": "EQ basics"}'::jsonb, false, 3, now()),
  ('compression', 'Compression', 'mixing', 'intermediate', '{"bpm": 110, "steps": 16, "goal": "Compression"}'::jsonb, false, 4, now()),
  ('reverb-and-space', 'Reverb and space', 'mixing', 'advanced', '{"bpm": 120, "steps": 16, "goal": "Reverb and space"}'::jsonb, true, 5, now()),
  ('mastering-loudness', 'Mastering loudness', 'mixing', 'advanced', '{"bpm": 130, "steps": 16, "goal": "Mastering loudness"}'::jsonb, true, 6, now())
on conflict (id) do nothing;
