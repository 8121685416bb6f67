-- Sitrep schema v7 (SQLite): one event log for every aggregate. An event belongs to a stream
-- (`incident`, `settings`; later `ticket`, `postmortem`, …) and carries its version within it;
-- the id stays global and increasing: it is the SSE event id.
--
-- `stream_id` is an integer because every aggregate has a 64-bit id; a setting, which has a key,
-- is given a number once (1: sla_policy, 2: role_catalog; see server/src/store/mod.rs) and keeps
-- it. That keeps an incident's history a lookup by numbers, as it was.
--
-- SQLite cannot rename or drop the columns of a constrained table: build the new table, copy
-- every event with its id, keep AUTOINCREMENT's sequence (ids are never reused), and swap.
CREATE TABLE events_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    stream         TEXT NOT NULL,
    stream_id      INTEGER NOT NULL,
    stream_version INTEGER NOT NULL,
    actor_id       INTEGER NOT NULL REFERENCES users (id),
    kind           TEXT NOT NULL,
    payload        TEXT NOT NULL,
    at             TEXT NOT NULL,
    -- A stream's history, in order; two writers of one version cannot both commit.
    UNIQUE (stream, stream_id, stream_version)
);

INSERT INTO events_new (id, stream, stream_id, stream_version, actor_id, kind, payload, at)
SELECT id, 'incident', incident_id, incident_version, actor_id, kind, payload, at
FROM events
ORDER BY id;

DELETE FROM sqlite_sequence WHERE name = 'events_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'events_new', seq FROM sqlite_sequence WHERE name = 'events';

DROP TABLE events;
ALTER TABLE events_new RENAME TO events;

-- The settings table stays the read model of the settings streams: the current value and its
-- version (the revision the value's JSON carried; 0 for a value saved before revisions).
ALTER TABLE settings ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
UPDATE settings
SET version = COALESCE(CASE WHEN json_valid(value) THEN json_extract(value, '$.revision') END, 0);

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
