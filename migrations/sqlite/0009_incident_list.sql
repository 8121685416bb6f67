-- Sitrep schema v9: the incidents list as read models, so a page costs what it shows (issue 14).
-- Every list order is one index range per status, read in order and cut at the page's size
-- (keyset: `(sort key, id)` after the cursor); the list of open incidents, or of all, merges
-- the ranges of its statuses. `commit` keeps all of it in the same transaction as the events;
-- rows written before this version are filled from Rust at the first `migrate` after it
-- (`incident_list_backfill`), because the title key is Rust's `to_lowercase`, which SQLite's
-- ASCII-only lower() is not.

-- Most severe first as a descending number, so every order scans its index in one direction.
ALTER TABLE incidents ADD COLUMN severity_rank INTEGER NOT NULL DEFAULT 0;
-- The title lower-cased by the application (`str::to_lowercase`): what a search looks in.
ALTER TABLE incidents ADD COLUMN title_key TEXT;

CREATE INDEX incidents_list_newest ON incidents (status, id);
CREATE INDEX incidents_list_severity ON incidents (status, severity_rank, id);
CREATE INDEX incidents_list_updated ON incidents (status, updated_at, id);
CREATE INDEX incidents_list_oldest ON incidents (status, detected_at, id);
-- A severity filter with a time order.
CREATE INDEX incidents_list_severity_updated ON incidents (status, severity_rank, updated_at, id);
CREATE INDEX incidents_list_severity_oldest ON incidents (status, severity_rank, detected_at, id);

-- The incidents linked to a service, and the people an incident involves (`Incident::involves`:
-- who declared it and who took part), each with a copy of the incident's sort keys so that
-- "this service" and "mine" are index ranges in the list's order too.
CREATE TABLE incident_services (
    service_id    INTEGER NOT NULL,
    incident_id   INTEGER NOT NULL REFERENCES incidents (id),
    status        TEXT NOT NULL,
    severity_rank INTEGER NOT NULL,
    updated_at    TEXT NOT NULL,
    detected_at   TEXT NOT NULL,
    PRIMARY KEY (service_id, incident_id)
);
CREATE INDEX incident_services_incident ON incident_services (incident_id);
CREATE INDEX incident_services_newest ON incident_services (service_id, status, incident_id);
CREATE INDEX incident_services_severity ON incident_services (service_id, status, severity_rank, incident_id);
CREATE INDEX incident_services_updated ON incident_services (service_id, status, updated_at, incident_id);
CREATE INDEX incident_services_oldest ON incident_services (service_id, status, detected_at, incident_id);

CREATE TABLE incident_people (
    user_id       INTEGER NOT NULL,
    incident_id   INTEGER NOT NULL REFERENCES incidents (id),
    status        TEXT NOT NULL,
    severity_rank INTEGER NOT NULL,
    updated_at    TEXT NOT NULL,
    detected_at   TEXT NOT NULL,
    PRIMARY KEY (user_id, incident_id)
);
CREATE INDEX incident_people_incident ON incident_people (incident_id);
CREATE INDEX incident_people_newest ON incident_people (user_id, status, incident_id);
CREATE INDEX incident_people_severity ON incident_people (user_id, status, severity_rank, incident_id);
CREATE INDEX incident_people_updated ON incident_people (user_id, status, updated_at, incident_id);
CREATE INDEX incident_people_oldest ON incident_people (user_id, status, detected_at, incident_id);

-- How many incidents are in each status: adjusted by every commit from the old status to the
-- new, never counted at request time (counted once here).
CREATE TABLE incident_status_counts (
    status TEXT PRIMARY KEY,
    count  INTEGER NOT NULL
);
INSERT INTO incident_status_counts (status, count)
    SELECT status, COUNT(*) FROM incidents GROUP BY status;

-- Title search: an FTS5 trigram index over the title key (the bundled SQLite has FTS5, which
-- `list.rs` checks), kept by these triggers whenever the key changes. It only narrows: the
-- query also checks the key contains the search exactly, so the result is the domain's.
CREATE VIRTUAL TABLE incident_titles USING fts5 (title_key, tokenize = 'trigram');
CREATE TRIGGER incident_titles_keyed AFTER UPDATE OF title_key ON incidents
    WHEN new.title_key IS NOT old.title_key
BEGIN
    DELETE FROM incident_titles WHERE rowid = old.id;
    INSERT INTO incident_titles (rowid, title_key) VALUES (new.id, new.title_key);
END;

-- Rows written before v9 still to key (from this id on); removed once done.
CREATE TABLE incident_list_backfill (next_id INTEGER NOT NULL);
INSERT INTO incident_list_backfill (next_id) SELECT 0 WHERE EXISTS (SELECT 1 FROM incidents);
