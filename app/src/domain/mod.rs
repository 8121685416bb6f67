//! Sitrep's rules, with no I/O. Compiled natively for the server and to wasm for the browser, so a
//! rule is written once and both sides agree on it.
//!
//! One folder per aggregate (`incident`, `ticket`, and the settings they are decided by: `roles`, `sla`), one
//! file per job. The main types are re-exported here, so callers write `app::domain::Incident`.

pub mod incident;
pub mod roles;
pub mod sla;
pub mod ticket;

pub mod display;
pub mod error;
mod keys;
pub mod presence;
pub mod services;
pub mod text;
pub mod user;
pub mod vocabulary;

pub use display::{
    countdown_text, countdown_words, human_duration, minute_utc, since_wall_clock, thousands,
};
pub use error::{decode_error_in_words, AppError, DomainError, ErrorKind};
pub use incident::*;
pub use presence::Presence;
pub use roles::*;
pub use services::{tier_label, Service, ServiceInput};
pub use sla::*;
pub use text::{
    check_chars, check_date, check_email, check_len, check_time, EARLIEST_YEAR, EMAIL_MAX_CHARS,
    LATEST_YEAR,
};
pub use ticket::{
    apply_ticket, decide_ticket, normalize_message_id, referenced_ticket, ticket_reference,
    without_ticket_tags, Assignee, Author, Channel, LiveTicketEvent, NewTicket, Priority,
    ReplyRoute, Requester, Ticket, TicketClock, TicketClockKind, TicketCommand, TicketContext,
    TicketEvent, TicketEventRecord, TicketStatus, TicketUpdate, Urgency,
};
pub use user::{initials, normalize_email, Action, Actor, User, UserRole};
pub use vocabulary::{
    fill_template, SeverityDef, StatusDef, TemplateFacts, UpdateTemplate, Vocabulary,
};
