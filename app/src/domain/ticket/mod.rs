//! The ticket aggregate: a customer's request and its conversation, triaged in the queue and
//! linked to the incident that caused it. What can be asked of it (`command`), what happened to
//! it (`event`), the one `decide_ticket` with each area's rules beside it (`conversation`,
//! `triage`, `links`), and the read model with its `apply_ticket` (`state`), and its SLA clocks and place in the queue (`clocks`).

pub mod clocks;
pub mod command;
pub mod context;
pub mod conversation;
pub mod decide;
pub mod event;
pub mod links;
pub mod state;
pub mod triage;
pub mod values;

#[cfg(test)]
mod clock_tests;
#[cfg(test)]
mod tests;

pub use clocks::{TicketClock, TicketClockKind, Urgency};
pub use command::{
    Assignee, NewTicket, Requester, TicketCommand, TicketNeeds, TicketSender, TicketUpdate,
};
pub use context::{TicketContext, CLOSE_AFTER_DAYS};
pub use conversation::{
    ReplyRoute, CC_MAX, MESSAGE_ID_MAX_CHARS, MESSAGE_MAX_CHARS, NAME_MAX_CHARS, SUBJECT_MAX_CHARS,
};
pub use decide::decide_ticket;
pub use event::{Author, LiveTicketEvent, TicketEvent, TicketEventRecord};
pub use state::{apply_ticket, Ticket};
pub use values::{
    normalize_message_id, normalize_tag, normalize_tags, referenced_ticket, ticket_reference,
    without_ticket_tags, Channel, Priority, TicketStatus, TAGS_MAX, TAG_MAX_CHARS,
};
