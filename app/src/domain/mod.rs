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
