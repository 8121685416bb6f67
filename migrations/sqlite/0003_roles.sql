-- Sitrep schema v3 (SQLite): the roster and settings an admin edits (the role catalog).

-- The roster: which team someone is on, and whether they are on call now (set by an admin or
-- an integration through PATCH /api/v1/people/{id}).
ALTER TABLE users ADD COLUMN team TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN on_call BOOLEAN NOT NULL DEFAULT 0;

-- Settings edited at run time, as JSON written by the application (key 'role_catalog').
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
