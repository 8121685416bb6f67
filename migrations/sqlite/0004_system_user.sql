-- Sitrep schema v4 (SQLite): Sitrep itself, the author of what no person did (SLA breaches it
-- records). It cannot sign in ('!' is no password hash) and the roster does not list it.
INSERT INTO users (email, name, role, password_hash, created_at)
VALUES ('sitrep@system.invalid', 'Sitrep', 'stakeholder', '!', '2026-01-01T00:00:00+00:00');
