//! The ticket as everyone sees it (the read model), and `apply`, which folds an event into it:
//! the server builds its read model with it, the browser updates its view with it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::command::Requester;
use super::event::{Author, TicketEvent, TicketEventRecord};
use super::values::{ticket_reference, Channel, Priority, TicketStatus};
use crate::domain::sla::calendar::Pause;
use crate::domain::user::Actor;

/// A ticket as it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Ticket {
    pub id: i64,
    pub version: i64,
    pub requester: Requester,
    pub organisation: String,
    pub subject: String,
    pub status: TicketStatus,
    pub priority: Priority,
    pub assignee: Option<Actor>,
    pub tags: Vec<String>,
    pub channel: Channel,
    /// Other addresses on the conversation (copied, or requesters of merged duplicates).
    pub cc: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When it was last solved (Sitrep closes it some days later).
    pub solved_at: Option<DateTime<Utc>>,
    pub incident_id: Option<i64>,
    pub merged_into: Option<i64>,
    /// Duplicates merged into this one: their conversations are shown with this one's.
    pub duplicates: Vec<i64>,
    pub follow_up_of: Option<i64>,
    pub related_to: Option<i64>,
    /// The first public reply by an agent (meets the first-reply target).
    pub first_reply_at: Option<DateTime<Utc>>,
    /// The oldest requester reply (after the opening message) no agent has publicly answered
    /// since: the next-reply target counts from it.
    pub awaiting_reply_since: Option<DateTime<Utc>>,
    /// The stretches it waited on someone else (Pending, On-hold): the reply clocks stand
    /// still.
    pub waiting: Vec<Pause>,
    /// The stretches it was neither New nor Open (waiting, or solved until reopened): the
    /// resolution clock counts New and Open time only.
    pub not_worked: Vec<Pause>,
}

impl Ticket {
    /// `T-123`.
    pub fn reference(&self) -> String {
        ticket_reference(self.id)
    }

    /// Is `email` (normalised) the requester's or copied on the ticket? Only they can add to
    /// its conversation by mail.
    pub fn is_on_conversation(&self, email: &str) -> bool {
        self.requester.email == email || self.cc.iter().any(|c| c == email)
    }
}

/// Folds one event into the ticket. Events of other tickets, and those the state has already
/// seen (by version), are ignored.
pub fn apply_ticket(state: &mut Option<Ticket>, event: &TicketEventRecord) {
    if let TicketEvent::TicketOpened {
        requester,
        organisation,
        subject,
        channel,
        priority,
        tags,
        cc,
        follow_up_of,
        related_to,
        ..
    } = &event.payload
    {
        if state.is_none() {
            *state = Some(Ticket {
                id: event.ticket_id,
                version: event.ticket_version,
                requester: requester.clone(),
                organisation: organisation.clone(),
                subject: subject.clone(),
                status: TicketStatus::New,
                priority: *priority,
                assignee: None,
                tags: tags.clone(),
                channel: *channel,
                cc: cc.clone(),
                created_at: event.at,
                updated_at: event.at,
                solved_at: None,
                incident_id: None,
                merged_into: None,
                duplicates: Vec::new(),
                follow_up_of: *follow_up_of,
                related_to: *related_to,
                first_reply_at: None,
                // The opening message is the first-reply target's; the next-reply target
                // counts from the requester's next message.
                awaiting_reply_since: None,
                waiting: Vec::new(),
                not_worked: Vec::new(),
            });
        }
        return;
    }
    let Some(ticket) = state.as_mut() else {
        return;
    };
    if ticket.id != event.ticket_id || event.ticket_version <= ticket.version {
        return;
    }
    ticket.version = event.ticket_version;
    ticket.updated_at = event.at;
    match &event.payload {
        TicketEvent::TicketOpened { .. } => {}
        TicketEvent::ReplyAdded { author, public, .. } => match author {
            Author::Agent { .. } if *public => {
                ticket.first_reply_at.get_or_insert(event.at);
                ticket.awaiting_reply_since = None;
            }
            Author::Agent { .. } => {}
            // Only once someone has answered: until then the first-reply target runs.
            Author::Requester { .. } if ticket.first_reply_at.is_some() => {
                ticket.awaiting_reply_since.get_or_insert(event.at);
            }
            Author::Requester { .. } => {}
        },
        TicketEvent::PriorityChanged { to, .. } => ticket.priority = *to,
        TicketEvent::AssigneeChanged { to, .. } => ticket.assignee = to.clone(),
        TicketEvent::StatusChanged { from, to } => {
            track(
                &mut ticket.waiting,
                from.is_paused(),
                to.is_paused(),
                event.at,
            );
            let worked = |s: &TicketStatus| matches!(s, TicketStatus::New | TicketStatus::Open);
            track(&mut ticket.not_worked, !worked(from), !worked(to), event.at);
            ticket.status = *to;
            if *to == TicketStatus::Solved {
                ticket.solved_at = Some(event.at);
                // Solved owes nothing; a reply that reopens it is owed one from then.
                ticket.awaiting_reply_since = None;
            }
        }
        TicketEvent::TagsChanged { added, removed } => {
            ticket.tags.retain(|t| !removed.contains(t));
            for tag in added {
                if !ticket.tags.contains(tag) {
                    ticket.tags.push(tag.clone());
                }
            }
        }
        TicketEvent::MergedInto { target_id, .. } => {
            ticket.merged_into = Some(*target_id);
            ticket.awaiting_reply_since = None;
        }
        TicketEvent::DuplicateMerged {
            duplicate_id,
            requester,
            cc,
            duplicates,
            awaiting_reply_since,
            ..
        } => {
            for id in std::iter::once(duplicate_id).chain(duplicates) {
                if !ticket.duplicates.contains(id) {
                    ticket.duplicates.push(*id);
                }
            }
            for email in std::iter::once(&requester.email).chain(cc) {
                if !ticket.is_on_conversation(email) {
                    ticket.cc.push(email.clone());
                }
            }
            // The oldest message owed a reply, of either.
            ticket.awaiting_reply_since = match (ticket.awaiting_reply_since, *awaiting_reply_since)
            {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        TicketEvent::IncidentLinked { incident_id, .. } => ticket.incident_id = Some(*incident_id),
        TicketEvent::IncidentUnlinked { .. } => ticket.incident_id = None,
    }
}

/// Opens a pause when a status change starts one, closes it when the change ends it.
fn track(pauses: &mut Vec<Pause>, was: bool, is: bool, at: DateTime<Utc>) {
    match (was, is) {
        (false, true) => pauses.push(Pause { from: at, to: None }),
        (true, false) => {
            if let Some(open) = pauses.iter_mut().rev().find(|p| p.to.is_none()) {
                open.to = Some(at);
            }
        }
        _ => {}
    }
}
