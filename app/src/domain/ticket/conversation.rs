//! The conversation: a ticket opened, agents' public replies and internal notes, and the
//! requester's replies (which reopen a ticket that was waiting or solved). Where a mail that
//! answers a ticket goes is decided here too (`route_reply`).

use super::command::{NewTicket, Requester};
use super::context::TicketContext;
use super::event::{Author, TicketEvent};
use super::state::Ticket;
use super::values::{normalize_tags, TicketStatus};
use crate::domain::error::DomainError;
use crate::domain::text::{check_email, check_len};
use crate::domain::user::normalize_email;

/// An address as a mail bridge may send it (`<ada@example.com>`, `mailto:ada@example.com`),
/// in the one form tickets keep and compare.
pub fn normalize_address(raw: &str) -> String {
    let trimmed = raw.trim();
    let bare = trimmed
        .strip_prefix("mailto:")
        .unwrap_or(trimmed)
        .trim_start_matches('<')
        .trim_end_matches('>');
    normalize_email(bare)
}

/// Longest subject, in characters.
pub const SUBJECT_MAX_CHARS: usize = 200;
/// Longest message (the first one or a reply), in characters.
pub const MESSAGE_MAX_CHARS: usize = 20_000;
/// Longest requester name or organisation, in characters.
pub const NAME_MAX_CHARS: usize = 200;
/// Most addresses copied on a ticket.
pub const CC_MAX: usize = 20;
/// Longest mail `Message-ID` kept (a mail header line's limit).
pub const MESSAGE_ID_MAX_CHARS: usize = super::values::MESSAGE_ID_MAX;

pub(super) fn open(new: &NewTicket) -> Result<Vec<TicketEvent>, DomainError> {
    let requester = requester(&new.requester)?;
    check_len("Organisation", new.organisation.trim(), 0, NAME_MAX_CHARS)?;
    check_len("Subject", new.subject.trim(), 1, SUBJECT_MAX_CHARS)?;
    check_len("Message", new.body.trim(), 1, MESSAGE_MAX_CHARS)?;
    let tags = normalize_tags(&new.tags)?;
    let mut cc: Vec<String> = Vec::new();
    for raw in &new.cc {
        let email = normalize_address(raw);
        check_email("A copied address", &email)?;
        if email != requester.email && !cc.contains(&email) {
            cc.push(email);
        }
    }
    if cc.len() > CC_MAX {
        return Err(DomainError::Invalid(format!(
            "A ticket copies at most {CC_MAX} addresses ({} were given).",
            cc.len()
        )));
    }
    let message_id = message_id(new.message_id.as_deref())?;
    for (field, id) in [
        ("follow_up_of", new.follow_up_of),
        ("related_to", new.related_to),
    ] {
        if matches!(id, Some(id) if id <= 0) {
            return Err(DomainError::Invalid(format!(
                "{field} must be a ticket's number (a positive integer)."
            )));
        }
    }
    Ok(vec![TicketEvent::TicketOpened {
        requester,
        organisation: new.organisation.trim().to_owned(),
        subject: new.subject.trim().to_owned(),
        body: new.body.trim().to_owned(),
        channel: new.channel,
        priority: new.priority,
        tags,
        cc,
        message_id,
        follow_up_of: new.follow_up_of,
        related_to: new.related_to,
    }])
}

fn requester(given: &Requester) -> Result<Requester, DomainError> {
    let email = normalize_address(&given.email);
    check_email("The requester's email", &email)?;
    let name = given.name.trim();
    check_len("The requester's name", name, 0, NAME_MAX_CHARS)?;
    Ok(Requester {
        // A mail without a display name is from its address.
        name: if name.is_empty() {
            email.clone()
        } else {
            name.to_owned()
        },
        email,
    })
}

fn message_id(given: Option<&str>) -> Result<Option<String>, DomainError> {
    match given.map(str::trim) {
        None | Some("") => Ok(None),
        Some(raw) => super::values::normalize_message_id(raw)
            .map(Some)
            .ok_or_else(|| {
                DomainError::Invalid(format!(
                "\"{}\" is not a message id: it is up to {MESSAGE_ID_MAX_CHARS} printable ASCII \
                 characters without spaces, such as <1234@mail.example.com>.",
                raw.chars().take(80).collect::<String>()
            ))
            }),
    }
}

pub(super) fn reply(
    ticket: &Ticket,
    body: &str,
    public: bool,
    ctx: &TicketContext<'_>,
) -> Result<Vec<TicketEvent>, DomainError> {
    let what = if public { "A reply" } else { "A note" };
    check_len(what, body.trim(), 1, MESSAGE_MAX_CHARS)?;
    let Some(agent) = ctx.actor else {
        return Err(DomainError::Forbidden("Sign in to reply.".into()));
    };
    let mut events = vec![TicketEvent::ReplyAdded {
        author: Author::Agent {
            id: agent.id,
            name: agent.name.clone(),
        },
        public,
        body: body.trim().to_owned(),
        message_id: None,
    }];
    // Someone is working on it now.
    if public && ticket.status == TicketStatus::New {
        events.push(TicketEvent::StatusChanged {
            from: TicketStatus::New,
            to: TicketStatus::Open,
        });
    }
    Ok(events)
}

pub(super) fn requester_reply(
    ticket: &Ticket,
    from: &str,
    body: &str,
    message_id: Option<&str>,
) -> Result<Vec<TicketEvent>, DomainError> {
    let email = normalize_address(from);
    check_email("The sender's address", &email)?;
    if !ticket.is_on_conversation(&email) {
        return Err(DomainError::Forbidden(format!(
            "{email} is not on {}'s conversation: only its requester and the addresses copied \
             on it can reply to it.",
            ticket.reference()
        )));
    }
    check_len("A reply", body.trim(), 1, MESSAGE_MAX_CHARS)?;
    let name = if email == ticket.requester.email {
        ticket.requester.name.clone()
    } else {
        email.clone()
    };
    let mut events = vec![TicketEvent::ReplyAdded {
        author: Author::Requester { name, email },
        public: true,
        body: body.trim().to_owned(),
        message_id: self::message_id(message_id)?,
    }];
    if ticket.status.reopens_on_reply() {
        events.push(TicketEvent::StatusChanged {
            from: ticket.status,
            to: TicketStatus::Open,
        });
    }
    Ok(events)
}

/// Where a mail that names a ticket (by `In-Reply-To` or a `[#T-123]` subject tag) goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyRoute {
    /// A reply on the ticket's conversation.
    Reply,
    /// The ticket is closed: a follow-up ticket.
    FollowUp,
    /// The ticket was merged: the reply goes to the ticket it was merged into (route it again
    /// there: that one may have been merged or closed too).
    MergedInto(i64),
    /// The sender is not on the ticket: a new ticket, related to it (nobody takes over a
    /// ticket by quoting its number).
    Related,
}

impl Ticket {
    /// Where a mail from `from` that names this ticket goes.
    pub fn route_reply(&self, from: &str) -> ReplyRoute {
        if let Some(survivor) = self.merged_into {
            // The survivor copies the duplicate's people: it decides who is on it.
            ReplyRoute::MergedInto(survivor)
        } else if !self.is_on_conversation(&normalize_address(from)) {
            ReplyRoute::Related
        } else if self.status == TicketStatus::Closed {
            ReplyRoute::FollowUp
        } else {
            ReplyRoute::Reply
        }
    }

    /// The follow-up ticket a reply to this closed one opens: from its sender, with the rest of
    /// the conversation copied, and this ticket's organisation, priority and tags.
    pub fn follow_up(
        &self,
        from: Requester,
        subject: &str,
        body: &str,
        message_id: Option<String>,
    ) -> NewTicket {
        let sender = normalize_address(&from.email);
        // Merges may have copied more people on this one than a new ticket takes: the first
        // ones (the requester first) carry on.
        let cc = std::iter::once(&self.requester.email)
            .chain(&self.cc)
            .filter(|email| **email != sender)
            .take(CC_MAX)
            .cloned()
            .collect();
        NewTicket {
            requester: from,
            organisation: self.organisation.clone(),
            subject: subject.to_owned(),
            body: body.to_owned(),
            channel: super::values::Channel::Email,
            priority: self.priority,
            tags: self.tags.clone(),
            cc,
            message_id,
            follow_up_of: Some(self.id),
            related_to: None,
        }
    }
}
