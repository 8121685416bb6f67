-- An incident's row is written with its title key since v12 (it was keyed by an UPDATE after
-- the INSERT, which the v9 trigger saw): the trigram index learns new titles on insert too.
CREATE TRIGGER incident_titles_inserted AFTER INSERT ON incidents
    WHEN new.title_key IS NOT NULL
BEGIN
    INSERT INTO incident_titles (rowid, title_key) VALUES (new.id, new.title_key);
END;
