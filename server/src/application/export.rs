//! The timeline's exports, Markdown (for people) and CSV (for spreadsheets and post-mortem
//! tooling): written as a stream of chunks, the timeline read a batch at a time, so an export
//! holds one batch in memory whatever the timeline's length.

use std::sync::Arc;

use app::domain::{
    markdown_head, timeline_view, AppError, Entry, EventRecord, Incident, MarkdownLines, Vocabulary,
};
use futures::stream::BoxStream;

use crate::store::Store;

/// Events read from the store at a time.
pub const BATCH: i64 = 500;

pub type ChunkError = Box<dyn std::error::Error + Send + Sync>;
/// An export's body, chunk by chunk.
pub type Chunks = BoxStream<'static, Result<String, ChunkError>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Csv,
}

impl Format {
    pub fn parse(key: &str) -> Result<Format, AppError> {
        match key {
            "md" => Ok(Format::Markdown),
            "csv" => Ok(Format::Csv),
            other => Err(AppError::not_found(format!(
                "There is no \"{other}\" export: use .md (Markdown) or .csv."
            ))),
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// The export of `incident`'s timeline as it stood when read: events recorded since are left
/// out, so pins, edits and deletions all come from that one read model.
pub fn chunks(
    store: Arc<dyn Store>,
    incident: Incident,
    vocab: Vocabulary,
    format: Format,
) -> Chunks {
    Box::pin(async_stream::try_stream! {
        let mut lines = MarkdownLines::default();
        yield match format {
            Format::Markdown => markdown_head(&incident, &vocab),
            Format::Csv => csv(&[], &vocab, true)?,
        };
        let mut after = 0;
        while after < incident.version {
            let batch = store.timeline_after(incident.id, after, BATCH).await?;
            let Some(last) = batch.last() else { break };
            after = last.incident_version;
            let events = with_latest_edits(store.as_ref(), &incident, batch).await?;
            let entries = timeline_view(&events, &incident);
            yield match format {
                Format::Markdown => entries.iter().map(|e| lines.line(e, &vocab)).collect(),
                Format::Csv => csv(&entries, &vocab, false)?,
            };
        }
    })
}

/// A batch of events (up to the incident's version), and the latest edits of its notes that
/// come after it in the stream: a note is written out once, as it reads now.
async fn with_latest_edits(
    store: &dyn Store,
    incident: &Incident,
    mut batch: Vec<EventRecord>,
) -> Result<Vec<EventRecord>, ChunkError> {
    batch.retain(|e| e.incident_version <= incident.version);
    let end = batch.last().map_or(0, |e| e.incident_version);
    let later: Vec<i64> = incident
        .note_edits
        .iter()
        .filter(|edit| edit.version > end && batch.iter().any(|e| e.id == edit.note))
        .map(|edit| edit.version)
        .collect();
    batch.extend(store.events_at_versions(incident.id, &later).await?);
    Ok(batch)
}

/// Columns: id, time (RFC 3339, UTC), author, kind, pinned, text; the header row when asked.
pub fn csv(entries: &[Entry], vocab: &Vocabulary, header: bool) -> Result<String, ChunkError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    if header {
        out.write_record(["id", "at", "author", "kind", "pinned", "text"])?;
    }
    for e in entries {
        out.write_record([
            e.event.id.to_string(),
            e.event.at.to_rfc3339(),
            e.event.actor.name.clone(),
            e.event.payload.kind().to_owned(),
            e.pinned.to_string(),
            app::domain::describe(e, vocab),
        ])?;
    }
    let bytes = out.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8(bytes)?)
}
