-- Sitrep schema v10: reads that cost what they show (issue 14).

-- Who holds which role in which incident now: the open stints of each incident's role board
-- (`details.roles`), replaced by every commit that writes the incident. The roster and the
-- role-catalog check read it instead of every incident.
CREATE TABLE incident_roles (
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    role        TEXT NOT NULL,
    user_id     INTEGER NOT NULL,
    PRIMARY KEY (incident_id, role, user_id)
);
CREATE INDEX incident_roles_role ON incident_roles (role, incident_id);
INSERT OR IGNORE INTO incident_roles (incident_id, role, user_id)
SELECT i.id, json_extract(s.value, '$.role'), json_extract(s.value, '$.person.id')
FROM incidents i, json_each(i.details, '$.roles.stints') s
WHERE json_extract(s.value, '$.relieved') IS NULL;

-- Open incidents, and those whose clocks can run, are found by status.
CREATE INDEX incidents_by_status ON incidents (status, id);

-- The earliest deadline of a running clock whose breach is not recorded (NULL: none), kept by
-- every commit: the breach recorder reads only what falls due. It needs the SLA policy, so rows
-- written before this version are computed by the server at start (`sla_pending`).
ALTER TABLE incidents ADD COLUMN sla_due TEXT;
ALTER TABLE incidents ADD COLUMN sla_pending BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE incidents SET sla_pending = TRUE WHERE status NOT IN ('closed', 'merged', 'declined');
CREATE INDEX incidents_sla_due ON incidents (sla_due);
CREATE INDEX incidents_sla_pending ON incidents (id) WHERE sla_pending;
