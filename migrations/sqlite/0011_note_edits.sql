-- Where each edited note's latest edit is (`details.note_edits`: the note's event id and the
-- edit's stream version), for incidents written before the read model kept it: a note read apart
-- from the events after it (a key moment shown before its page, an export batch) finds its text
-- by it. A deleted note has none. Releases before this one wrote no `note_edits` key.
UPDATE incidents SET details = json_set(details, '$.note_edits', json((
    SELECT json_group_array(json_object('note', x.note, 'version', x.version))
    FROM (
        SELECT CAST(json_extract(e.payload, '$.event_id') AS INTEGER) AS note,
               MAX(e.stream_version) AS version
        FROM events e
        WHERE e.stream = 'incident' AND e.stream_id = incidents.id AND e.kind = 'note_edited'
        GROUP BY note
    ) AS x
    WHERE x.note NOT IN (
        SELECT CAST(json_extract(d.payload, '$.event_id') AS INTEGER)
        FROM events d
        WHERE d.stream = 'incident' AND d.stream_id = incidents.id AND d.kind = 'note_deleted'
    )
)))
WHERE EXISTS (
    SELECT 1 FROM events e
    WHERE e.stream = 'incident' AND e.stream_id = incidents.id AND e.kind = 'note_edited'
);
