-- Sitrep schema v1 (SQLite). Times are UTC, RFC 3339 text; ids are 64-bit integers.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Stored normalised (trimmed, lower-cased by the application), compared by equality.
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'responder', 'support', 'manager', 'stakeholder')),
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

-- The incident read model: the fold of its events, written in the same transaction as they are.
CREATE TABLE incidents (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    title           TEXT NOT NULL,
    severity        TEXT NOT NULL,
    status          TEXT NOT NULL,
    summary         TEXT NOT NULL,
    version         INTEGER NOT NULL,
    declared_by     INTEGER NOT NULL REFERENCES users (id),
    declared_at     TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    detected_at     TEXT NOT NULL,
    acknowledged_at TEXT,
    mitigated_at    TEXT,
    resolved_at     TEXT,
    closed_at       TEXT,
    updated_at      TEXT NOT NULL
);

-- Append-only. The id is global and increasing: it is the SSE event id.
CREATE TABLE events (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id      INTEGER NOT NULL REFERENCES incidents (id),
    incident_version INTEGER NOT NULL,
    actor_id         INTEGER NOT NULL REFERENCES users (id),
    kind             TEXT NOT NULL,
    payload          TEXT NOT NULL,
    at               TEXT NOT NULL,
    UNIQUE (incident_id, incident_version)
);
