-- Where each edited note's latest edit is (`details.note_edits`: the note's event id and the
-- edit's stream version), for incidents written before the read model kept it: a note read apart
-- from the events after it (a key moment shown before its page, an export batch) finds its text
-- by it. A deleted note has none. Releases before this one wrote no `note_edits` key.
-- The payloads are read as text (serde's `"event_id":N` comes before the body, and a quote inside
-- a JSON string is always escaped), and `details` is prefixed as text: neither goes through jsonb,
-- which refuses some text that JSON allows.
UPDATE incidents i
SET details = '{"note_edits":' || x.edits::text
    || CASE WHEN btrim(i.details) ~ '^\{\s*\}$' THEN '}' ELSE ',' || substr(btrim(i.details), 2) END
FROM (
    SELECT e.stream_id AS incident_id,
           jsonb_agg(jsonb_build_object('note', e.note, 'version', e.version)) AS edits
    FROM (
        SELECT stream_id,
               substring(payload FROM '"event_id":(\d+)')::bigint AS note,
               MAX(stream_version) AS version
        FROM events
        WHERE stream = 'incident' AND kind = 'note_edited'
        GROUP BY stream_id, note
    ) AS e
    WHERE NOT EXISTS (
        SELECT 1 FROM events d
        WHERE d.stream = 'incident' AND d.stream_id = e.stream_id AND d.kind = 'note_deleted'
          AND substring(d.payload FROM '"event_id":(\d+)')::bigint = e.note
    )
    GROUP BY e.stream_id
) AS x
WHERE x.incident_id = i.id;
