//! Sitrep's rules, with no I/O. Compiled natively for the server and to wasm for the browser, so a
//! rule is written once and both sides agree on it.

mod catalog;
mod clocks;
mod error;
mod event;
mod incident;
mod presence;
mod roles;
mod sla;
mod text;
mod timeline;
mod user;
mod vocab;

pub use catalog::{tier_label, Service, ServiceInput};
pub use clocks::{
    clocks, countdown_text, countdown_words, policy_changes, Clock, ClockChange, ClockFacts,
    ClockKind, RevisedPolicy, SeverityTargets, SlaPolicy,
};
pub use error::{decode_error_in_words, AppError, DomainError, ErrorKind};
pub use event::{
    apply, counterpart, decide, Actor, Category, Command, Context, EventPayload, EventRecord,
    LiveEvent,
};
pub use incident::{
    human_duration, thousands, Affected, Breach, Impact, Incident, Milestone, ServiceRef, Severity,
    Status, Visibility, IMPACT_MAX_CHARS, NOTE_MAX_CHARS, REASON_MAX_CHARS, SUMMARY_MAX_CHARS,
    TITLE_MAX_CHARS, UPDATE_MAX_CHARS,
};
pub use presence::Presence;
pub use roles::{
    ChecklistItem, Person, RevisedCatalog, RoleBoard, RoleCatalog, RoleDef, RoleView, Stint, Tick,
    CHECKLIST_MAX_ITEMS, INCIDENT_COMMANDER, ROLE_DESCRIPTION_MAX_CHARS, ROLE_LABEL_MAX_CHARS,
};
pub use sla::{
    due_soon, state_at, Calendar, ClockState, Counting, Pause, Target, Unit, DUE_SOON_AFTER,
};
pub use text::{check_chars, check_date, check_len, check_time, EARLIEST_YEAR, LATEST_YEAR};
pub use timeline::{describe, describe_payload, timeline_view, to_markdown, Entry};
pub use user::{normalize_email, User, UserRole};
pub use vocab::{SeverityDef, StatusDef, UpdateTemplate, Vocabulary};

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
