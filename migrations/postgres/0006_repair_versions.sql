-- Before a declaration aimed at an existing incident was refused, it was stored as one more
-- event while the incident kept its version, and every later change to it collided with that
-- event (the store now refuses such appends). This puts each incident's version back on its
-- last event, which is all that was wrong: the extra declaration changes nothing when applied.
UPDATE incidents
SET version = (SELECT MAX(e.incident_version) FROM events e WHERE e.incident_id = incidents.id)
WHERE version < (SELECT MAX(e.incident_version) FROM events e WHERE e.incident_id = incidents.id);
