//! The incident aggregate: what can be asked of it (`command`), what happened to it (`event`),
//! the one `decide` with the rules of each area beside it, the one `apply`, and the read model
//! and timeline everyone sees.

pub mod apply;
pub mod breaches;
pub mod command;
pub mod context;
pub mod decide;
pub mod event;
pub mod impact;
pub mod lifecycle;
pub mod notes;
pub mod query;
pub mod resolve;
pub mod roles;
pub mod state;
pub mod timeline;
pub mod updates;
pub mod values;

#[cfg(test)]
pub(crate) mod testing;

pub use apply::apply;
pub use command::{
    Command, Declaration, Expected, ImpactCommand, LifecycleCommand, Needs, Refers, Requires,
    RoleCommand, Sender, SlaCommand, TimelineCommand,
};
pub use context::Context;
pub use decide::decide;
pub use event::{Category, EventPayload, EventRecord, LiveEvent};
pub use impact::IMPACT_MAX_CHARS;
pub use lifecycle::{counterpart, REASON_MAX_CHARS, SUMMARY_MAX_CHARS, TITLE_MAX_CHARS};
pub use notes::NOTE_MAX_CHARS;
pub use query::{
    Cursor, IncidentPage, IncidentQuery, Search, Sort, StatusCounts, StatusFilter, PAGE_DEFAULT,
    PAGE_MAX, SEARCH_MAX_CHARS,
};
pub use resolve::{in_a_sentence, Concern};
pub use state::{Breach, Incident, NoteEdit};
pub use timeline::{
    describe, describe_payload, markdown_head, timeline_page_request, timeline_view, to_markdown,
    Entry, MarkdownLines, TIMELINE_PAGE, TIMELINE_PAGE_MAX,
};
pub use updates::UPDATE_MAX_CHARS;
pub use values::{Affected, Impact, Milestone, ServiceRef, Severity, Status, Visibility};
