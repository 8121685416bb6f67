//! The timeline as CSV: one row per entry, for spreadsheets and post-mortem tooling.

use app::domain::{Entry, Vocabulary};

/// Columns: id, time (RFC 3339, UTC), author, kind, pinned, text.
pub fn csv(entries: &[Entry], vocab: &Vocabulary) -> Result<String, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["id", "at", "author", "kind", "pinned", "text"])?;
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
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
