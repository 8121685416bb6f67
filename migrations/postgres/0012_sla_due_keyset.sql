-- The breach recorder walks the due incidents by (sla_due, id): an index in that order keeps a
-- batch a range scan however many incidents share one deadline. (SQLite's index on sla_due
-- already ends in the rowid.) Same number as SQLite's v12 so both stores count alike.
CREATE INDEX incidents_sla_due_id ON incidents (sla_due, id);
DROP INDEX incidents_sla_due;
