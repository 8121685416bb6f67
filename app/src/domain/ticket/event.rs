//! What happened to a ticket: stored as flat, tagged JSON whose `type` strings and fields never
//! change (a new need is a new kind or an optional field), shown on the ticket's timeline and
//! sent live.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::command::Requester;
use super::values::{Channel, Priority, TicketStatus};
use crate::domain::user::Actor;

/// What happened to a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TicketEvent {
    TicketOpened {
        requester: Requester,
        organisation: String,
        subject: String,
        body: String,
        channel: Channel,
        priority: Priority,
        tags: Vec<String>,
        #[serde(default)]
        cc: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        follow_up_of: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        related_to: Option<i64>,
    },
    /// A message on the conversation: an agent's public reply or internal note, or the
    /// requester's reply.
    ReplyAdded {
        author: Author,
        public: bool,
        body: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_id: Option<String>,
    },
    PriorityChanged {
        from: Priority,
        to: Priority,
    },
    AssigneeChanged {
        from: Option<Actor>,
        to: Option<Actor>,
    },
    StatusChanged {
        from: TicketStatus,
        to: TicketStatus,
    },
    TagsChanged {
        added: Vec<String>,
        removed: Vec<String>,
    },
    /// On the duplicate: it lives on in `target_id`.
    MergedInto {
        target_id: i64,
        target_subject: String,
    },
    /// On the survivor: a duplicate was merged into it, with its conversation; its requester
    /// is copied on the survivor from now on.
    DuplicateMerged {
        duplicate_id: i64,
        duplicate_subject: String,
        requester: Requester,
        /// The duplicate's copied addresses, copied here too.
        #[serde(default)]
        cc: Vec<String>,
        /// Tickets merged into the duplicate before: their conversations come along.
        #[serde(default)]
        duplicates: Vec<i64>,
        /// The duplicate's oldest unanswered requester message, if any: it is owed a reply
        /// here now.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        awaiting_reply_since: Option<DateTime<Utc>>,
    },
    IncidentLinked {
        incident_id: i64,
    },
    IncidentUnlinked {
        incident_id: i64,
    },
}

/// Who wrote a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Author {
    Agent {
        id: i64,
        name: String,
    },
    /// The requester, or an address copied on the ticket.
    Requester {
        name: String,
        email: String,
    },
}

/// One stored ticket event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TicketEventRecord {
    /// Global, increasing; the SSE `id:`.
    pub id: i64,
    pub ticket_id: i64,
    /// The ticket's version after this event.
    pub ticket_version: i64,
    pub at: DateTime<Utc>,
    /// Who did it: the agent, the owner of the token a mail came in with, or Sitrep.
    pub actor: Actor,
    pub payload: TicketEvent,
    /// For messages: the Markdown rendered to sanitised HTML by the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
}

/// The `data:` of a ticket's server-sent event (`event: ticket`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LiveTicketEvent {
    pub event: TicketEventRecord,
    pub server_time: DateTime<Utc>,
}

impl TicketEvent {
    /// The Markdown it carries (a message), if any: the server renders it for the page.
    pub fn markdown(&self) -> Option<&str> {
        match self {
            TicketEvent::TicketOpened { body, .. } | TicketEvent::ReplyAdded { body, .. } => {
                Some(body)
            }
            _ => None,
        }
    }

    /// Its `type`, as stored in `events.kind` (and the SSE `event:` name).
    pub fn kind(&self) -> &'static str {
        match self {
            TicketEvent::TicketOpened { .. } => "ticket_opened",
            TicketEvent::ReplyAdded { .. } => "reply_added",
            TicketEvent::PriorityChanged { .. } => "priority_changed",
            TicketEvent::AssigneeChanged { .. } => "assignee_changed",
            TicketEvent::StatusChanged { .. } => "status_changed",
            TicketEvent::TagsChanged { .. } => "tags_changed",
            TicketEvent::MergedInto { .. } => "merged_into",
            TicketEvent::DuplicateMerged { .. } => "duplicate_merged",
            TicketEvent::IncidentLinked { .. } => "incident_linked",
            TicketEvent::IncidentUnlinked { .. } => "incident_unlinked",
        }
    }

    /// The events on another ticket that are written with this one (the survivor's side of a
    /// merge: the duplicate, and its incident link if the survivor had none), with that
    /// ticket's id. `ticket` is the ticket this event is on, before it.
    pub fn counterpart(
        &self,
        ticket: &super::state::Ticket,
        target: &super::state::Ticket,
    ) -> Option<(i64, Vec<TicketEvent>)> {
        let TicketEvent::MergedInto { target_id, .. } = self else {
            return None;
        };
        let mut events = vec![TicketEvent::DuplicateMerged {
            duplicate_id: ticket.id,
            duplicate_subject: ticket.subject.clone(),
            requester: ticket.requester.clone(),
            cc: ticket.cc.clone(),
            duplicates: ticket.duplicates.clone(),
            awaiting_reply_since: ticket.awaiting_reply_since,
        }];
        if let (Some(incident_id), None) = (ticket.incident_id, target.incident_id) {
            events.push(TicketEvent::IncidentLinked { incident_id });
        }
        Some((*target_id, events))
    }
}
