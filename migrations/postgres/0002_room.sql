-- Sitrep schema v2 (PostgreSQL): the complete incident room and the service catalog.

-- What the read model keeps besides its columns (impact, linked services, pins, deleted notes,
-- participants), as JSON written by the application (TEXT, so both stores share their SQL).
ALTER TABLE incidents ADD COLUMN details TEXT NOT NULL DEFAULT '{}';
ALTER TABLE incidents ADD COLUMN merged_into BIGINT REFERENCES incidents (id);
ALTER TABLE incidents ADD COLUMN last_public_update_at TIMESTAMPTZ;

CREATE INDEX events_incident ON events (incident_id, id);

CREATE TABLE services (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Unique regardless of case: "Checkout" and "checkout" are one service.
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,
    owner_team  TEXT NOT NULL,
    tier        INTEGER NOT NULL CHECK (tier BETWEEN 1 AND 3),
    runbook_url TEXT NOT NULL,
    contacts    TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
