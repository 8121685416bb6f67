-- Tickets (issue 16): the read model of the `ticket` streams of the event log. The row keeps the
-- whole `Ticket` as JSON (`details`) and, beside it, the columns its lists read.
CREATE TABLE tickets (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    version         INTEGER NOT NULL,
    status          TEXT NOT NULL,
    priority        TEXT NOT NULL,
    assignee_id     INTEGER REFERENCES users (id),
    requester_email TEXT NOT NULL,
    organisation    TEXT NOT NULL,
    subject         TEXT NOT NULL,
    incident_id     INTEGER REFERENCES incidents (id),
    merged_into     INTEGER REFERENCES tickets (id),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    -- The earliest deadline of its running SLA clocks (`Ticket::sla_due`): the queue's order.
    sla_due         TEXT,
    details         TEXT NOT NULL
);

-- An incident's linked tickets (the room's list and its count).
CREATE INDEX tickets_by_incident ON tickets (incident_id, id) WHERE incident_id IS NOT NULL;

-- A ticket's tags, kept by every commit of it (the queue's tag filter).
CREATE TABLE ticket_tags (
    tag       TEXT NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    PRIMARY KEY (tag, ticket_id)
);
CREATE INDEX ticket_tags_by_ticket ON ticket_tags (ticket_id);

-- The mail that reached a ticket, by Message-ID: a reply finds its ticket by In-Reply-To, and a
-- mail delivered twice is taken once.
CREATE TABLE ticket_mail (
    message_id TEXT PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id)
);
