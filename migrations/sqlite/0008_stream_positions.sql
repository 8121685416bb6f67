-- Sitrep schema v8: each stream's events in id order. Resuming a live stream after its
-- Last-Event-ID reads only the streams its topics follow (`WHERE stream = … AND stream_id = …
-- AND id > … ORDER BY id LIMIT …`), however busy the rest of the log is. The UNIQUE
-- (stream, stream_id, stream_version) index stays: it is the version check.
CREATE INDEX events_stream_position ON events (stream, stream_id, id);
