-- Sitrep schema v1 (PostgreSQL). Same version numbers as migrations/sqlite.

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Stored normalised (trimmed, lower-cased by the application), compared by equality.
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'responder', 'support', 'manager', 'stakeholder')),
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE incidents (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title           TEXT NOT NULL,
    severity        TEXT NOT NULL,
    status          TEXT NOT NULL,
    summary         TEXT NOT NULL,
    version         BIGINT NOT NULL,
    declared_by     BIGINT NOT NULL REFERENCES users (id),
    declared_at     TIMESTAMPTZ NOT NULL,
    started_at      TIMESTAMPTZ NOT NULL,
    detected_at     TIMESTAMPTZ NOT NULL,
    acknowledged_at TIMESTAMPTZ,
    mitigated_at    TIMESTAMPTZ,
    resolved_at     TIMESTAMPTZ,
    closed_at       TIMESTAMPTZ,
    updated_at      TIMESTAMPTZ NOT NULL
);

-- Append-only. Appends take a transaction-scoped advisory lock, so ids become visible in order
-- and a reader catching up "after id N" can never miss a later-committed smaller id.
CREATE TABLE events (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id      BIGINT NOT NULL REFERENCES incidents (id),
    incident_version BIGINT NOT NULL,
    actor_id         BIGINT NOT NULL REFERENCES users (id),
    kind             TEXT NOT NULL,
    payload          TEXT NOT NULL,
    at               TIMESTAMPTZ NOT NULL,
    UNIQUE (incident_id, incident_version)
);
