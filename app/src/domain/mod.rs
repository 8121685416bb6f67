//! Sitrep's rules, with no I/O. Compiled natively for the server and to wasm for the browser, so a
//! rule is written once and both sides agree on it.

mod error;
mod event;
mod incident;
mod user;

pub use error::{AppError, DomainError, ErrorKind};
pub use event::{apply, decide, Actor, Command, EventPayload, EventRecord, LiveEvent};
pub use incident::{
    human_duration, thousands, Incident, Severity, Status, NOTE_MAX_CHARS, SUMMARY_MAX_CHARS,
    TITLE_MAX_CHARS,
};
pub use user::{normalize_email, User, UserRole};

/// Finds the value of a closed vocabulary (severities, statuses, roles) by its key,
/// case-insensitively, or says which keys there are.
pub(crate) fn parse_key<T: Copy>(
    input: &str,
    noun: &str,
    all: &[T],
    key: fn(T) -> &'static str,
) -> Result<T, String> {
    let wanted = input.trim().to_ascii_lowercase();
    all.iter()
        .copied()
        .find(|v| key(*v) == wanted)
        .ok_or_else(|| {
            let keys: Vec<&str> = all.iter().map(|v| key(*v)).collect();
            format!(
                "Unknown {noun} \"{input}\": use one of {}.",
                keys.join(", ")
            )
        })
}
