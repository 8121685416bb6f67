-- Sitrep schema v7 (PostgreSQL): one event log for every aggregate. An event belongs to a stream
-- (`incident`, `settings`; later `ticket`, `postmortem`, …) and carries its version within it;
-- the id (and its identity sequence) stays global and increasing: it is the SSE event id.
--
-- `stream_id` is an integer because every aggregate has a 64-bit id; a setting, which has a key,
-- is given a number once (1: sla_policy, 2: role_catalog; see server/src/store/mod.rs) and keeps
-- it. That keeps an incident's history a lookup by numbers, as it was.
ALTER TABLE events DROP CONSTRAINT events_incident_id_fkey;
ALTER TABLE events DROP CONSTRAINT events_incident_id_incident_version_key;
DROP INDEX events_incident;
ALTER TABLE events RENAME COLUMN incident_id TO stream_id;
ALTER TABLE events RENAME COLUMN incident_version TO stream_version;
ALTER TABLE events ADD COLUMN stream TEXT NOT NULL DEFAULT 'incident';
ALTER TABLE events ALTER COLUMN stream DROP DEFAULT;
-- A stream's history, in order; two writers of one version cannot both commit.
ALTER TABLE events ADD CONSTRAINT events_stream_version UNIQUE (stream, stream_id, stream_version);

-- The settings table stays the read model of the settings streams: the current value and its
-- version (the revision the value's JSON carried; 0 for a value saved before revisions).
ALTER TABLE settings ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
UPDATE settings
-- (A value that is not a JSON object, which Sitrep never wrote, counts as revision 0 rather than
-- failing the migration: the outer CASE looks before the inner one casts.)
SET version = COALESCE(CASE WHEN value ~ '^\s*\{' THEN
                   CASE WHEN jsonb_typeof(value::jsonb) = 'object'
                        THEN (value::jsonb ->> 'revision')::bigint END
               END, 0);

-- Its author is Sitrep itself (migration 4), restored if someone deleted it by hand: an event
-- must have an author.
INSERT INTO users (email, name, role, password_hash, created_at)
SELECT 'sitrep@system.invalid', 'Sitrep', 'stakeholder', '!', '2026-01-01T00:00:00+00:00'
WHERE NOT EXISTS (SELECT 1 FROM users WHERE email = 'sitrep@system.invalid');

-- Each setting's history starts with what it holds now, at its current revision, by Sitrep
-- itself: the next save is revision + 1, and the ETags already handed out keep matching.
INSERT INTO events (stream, stream_id, stream_version, actor_id, kind, payload, at)
SELECT 'settings',
       CASE s.key WHEN 'sla_policy' THEN 1 ELSE 2 END,
       s.version,
       (SELECT u.id FROM users u WHERE u.email = 'sitrep@system.invalid'),
       'setting_saved',
       s.value,
       s.updated_at
FROM settings s
WHERE s.key IN ('sla_policy', 'role_catalog')
ORDER BY s.key DESC;
