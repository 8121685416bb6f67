//! Sitrep decides: a ticket command becomes events, or is refused. First the gate (who may send
//! it; that the ticket exists, was not merged, is not closed, is at the version the sender saw),
//! then the rules of its area.

use super::command::{TicketCommand, TicketSender};
use super::context::TicketContext;
use super::event::TicketEvent;
use super::state::Ticket;
use super::values::TicketStatus;
use super::{conversation, links, triage};
use crate::domain::error::DomainError;
use crate::domain::user::Action;

/// Turns a command into events, or refuses it. `state` is the ticket the command targets
/// (`None` when opening one).
pub fn decide_ticket(
    state: Option<&Ticket>,
    command: &TicketCommand,
    ctx: &TicketContext<'_>,
) -> Result<Vec<TicketEvent>, DomainError> {
    let needs = command.needs();
    match (needs.sender, ctx.actor) {
        (TicketSender::Person, Some(actor)) => actor.require(Action::WorkTickets)?,
        (TicketSender::Person, None) => {
            return Err(DomainError::Forbidden(
                "Sign in (or send an API token) to change tickets.".into(),
            ))
        }
        (TicketSender::Sitrep, Some(_)) => {
            return Err(DomainError::Forbidden(
                "Sitrep closes a ticket by itself some days after it is solved: set it to \
                 Solved instead."
                    .into(),
            ))
        }
        (TicketSender::Sitrep, None) => {}
    }
    let ticket = match (state, command) {
        (None, TicketCommand::Open(new)) => return conversation::open(new),
        (Some(ticket), TicketCommand::Open(_)) => {
            return Err(DomainError::Invalid(format!(
                "{} already exists: send a new ticket without an id.",
                ticket.reference()
            )))
        }
        (None, _) => return Err(DomainError::NotFound("There is no such ticket.".into())),
        (Some(ticket), _) => admit(ticket, needs.version)?,
    };
    match command {
        TicketCommand::Open(_) => unreachable_open(),
        TicketCommand::Reply { body, public } => conversation::reply(ticket, body, *public, ctx),
        TicketCommand::RequesterReply {
            from,
            body,
            message_id,
        } => conversation::requester_reply(ticket, from, body, message_id.as_deref()),
        TicketCommand::Update(update) => triage::update(ticket, update, ctx),
        TicketCommand::Close => triage::close(ticket, ctx),
        TicketCommand::MergeInto { target_id, .. } => links::merge_into(ticket, *target_id, ctx),
        TicketCommand::LinkIncident { incident_id } => {
            links::link_incident(ticket, *incident_id, ctx)
        }
        TicketCommand::UnlinkIncident { incident_id } => {
            links::unlink_incident(ticket, *incident_id)
        }
    }
}

/// Opening was answered above; a ticket that exists never reaches the areas with `Open`.
fn unreachable_open() -> Result<Vec<TicketEvent>, DomainError> {
    Err(DomainError::Invalid(
        "This ticket already exists: send a new ticket without an id.".into(),
    ))
}

/// The ticket a command may act on, or why not.
fn admit(ticket: &Ticket, expected: Option<i64>) -> Result<&Ticket, DomainError> {
    if let Some(into) = ticket.merged_into {
        return Err(DomainError::ReadOnly(format!(
            "{} was merged into T-{into} and takes no more changes: continue there.",
            ticket.reference()
        )));
    }
    if ticket.status == TicketStatus::Closed {
        return Err(DomainError::ReadOnly(format!(
            "{} is closed and takes no more changes: a reply to it opens a follow-up ticket.",
            ticket.reference()
        )));
    }
    match expected {
        Some(expected) if expected != ticket.version => Err(DomainError::Outdated(format!(
            "Someone else changed {} (you had version {expected}, it is now at version {}): \
             look again and retry.",
            ticket.reference(),
            ticket.version
        ))),
        _ => Ok(ticket),
    }
}

impl Ticket {
    /// Would this ticket take a change now (leaving aside the version and the change's own
    /// rules)? The screens show the controls exactly when it would.
    pub fn takes_changes(&self) -> bool {
        admit(self, None).is_ok()
    }
}
