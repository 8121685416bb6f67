//! Triage: priority, assignee, status and tags, one ticket at a time or the same change on each
//! of a selection; and Sitrep's closing of a ticket solved long enough ago.

use super::command::{Assignee, TicketUpdate};
use super::context::TicketContext;
use super::event::TicketEvent;
use super::state::Ticket;
use super::values::{normalize_tag, normalize_tags, TicketStatus};
use crate::domain::error::{invalid, DomainError};
use crate::domain::user::{Action, Actor};

/// The events of an update, in the order they apply: the assignee first, so that one change can
/// assign and solve. A field already as asked adds nothing (a selection's tickets need not all
/// differ); an update that names no field is refused.
pub(super) fn update(
    ticket: &Ticket,
    update: &TicketUpdate,
    ctx: &TicketContext<'_>,
) -> Result<Vec<TicketEvent>, DomainError> {
    let names_nothing = update.priority.is_none()
        && update.assignee.is_none()
        && update.status.is_none()
        && update.tags.is_none()
        && update.add_tags.is_empty()
        && update.remove_tags.is_empty();
    if names_nothing {
        return invalid("Say what to change: priority, assignee, status or tags.");
    }
    let mut events = Vec::new();
    let assignee = match update.assignee {
        None => ticket.assignee.clone(),
        Some(Assignee::Nobody) => None,
        Some(Assignee::Person(id)) => Some(assignable(id, ctx)?),
    };
    if assignee != ticket.assignee {
        events.push(TicketEvent::AssigneeChanged {
            from: ticket.assignee.clone(),
            to: assignee.clone(),
        });
    }
    if let Some(priority) = update.priority.filter(|p| *p != ticket.priority) {
        events.push(TicketEvent::PriorityChanged {
            from: ticket.priority,
            to: priority,
        });
    }
    if let Some(change) = tags(ticket, update)? {
        events.push(change);
    }
    // A New ticket given to someone is being worked on (Zendesk's New is "not yet assigned").
    let status = match update.status {
        Some(status) => status,
        None if ticket.status == TicketStatus::New && assignee.is_some() => TicketStatus::Open,
        None => ticket.status,
    };
    if status != ticket.status {
        if !ticket.status.settable_from().contains(&status) {
            return invalid(match status {
                TicketStatus::New => {
                    "A ticket never returns to New: set it to Open, Pending or On-hold instead."
                        .to_owned()
                }
                TicketStatus::Closed => format!(
                    "Sitrep closes a ticket by itself {} after it is solved: set it to Solved.",
                    days(ctx.close_after)
                ),
                _ => format!(
                    "{} cannot move from {} to {}.",
                    ticket.reference(),
                    ticket.status.label(),
                    status.label()
                ),
            });
        }
        events.push(TicketEvent::StatusChanged {
            from: ticket.status,
            to: status,
        });
    }
    if status == TicketStatus::Solved && assignee.is_none() {
        return invalid(if ticket.status == TicketStatus::Solved {
            format!(
                "{} is solved, and a solved ticket keeps its assignee: reopen it first.",
                ticket.reference()
            )
        } else {
            format!(
                "{} cannot be solved without an assignee: assign it (to yourself, say) and \
                 solve it.",
                ticket.reference()
            )
        });
    }
    Ok(events)
}

/// The person a ticket is assigned to, if they may work tickets.
fn assignable(id: i64, ctx: &TicketContext<'_>) -> Result<Actor, DomainError> {
    match ctx.assignee {
        Some(person) if person.id == id => {
            if !person.may(Action::WorkTickets) {
                return invalid(format!(
                    "{} is a stakeholder (read-only) and cannot be assigned tickets.",
                    person.name
                ));
            }
            Ok(Actor {
                id: person.id,
                name: person.name.clone(),
            })
        }
        _ => Err(DomainError::NotFound(format!(
            "There is no person with id {id} to assign the ticket to."
        ))),
    }
}

/// The tags after an update (set, then added, then removed), as the change from now.
fn tags(ticket: &Ticket, update: &TicketUpdate) -> Result<Option<TicketEvent>, DomainError> {
    let mut after = match &update.tags {
        Some(set) => normalize_tags(set)?,
        None => ticket.tags.clone(),
    };
    for raw in &update.add_tags {
        let tag = normalize_tag(raw)?;
        if !after.contains(&tag) {
            after.push(tag);
        }
    }
    let removed: Vec<String> = update
        .remove_tags
        .iter()
        .map(|raw| normalize_tag(raw))
        .collect::<Result<_, _>>()?;
    after.retain(|t| !removed.contains(t));
    // Checks the count of the result.
    let after = normalize_tags(&after)?;
    let added: Vec<String> = after
        .iter()
        .filter(|t| !ticket.tags.contains(t))
        .cloned()
        .collect();
    let removed: Vec<String> = ticket
        .tags
        .iter()
        .filter(|t| !after.contains(t))
        .cloned()
        .collect();
    Ok((!added.is_empty() || !removed.is_empty())
        .then_some(TicketEvent::TagsChanged { added, removed }))
}

/// Sitrep closes a ticket that has stayed Solved for `close_after`.
pub(super) fn close(
    ticket: &Ticket,
    ctx: &TicketContext<'_>,
) -> Result<Vec<TicketEvent>, DomainError> {
    let due = ticket
        .solved_at
        .and_then(|at| at.checked_add_signed(ctx.close_after));
    match due {
        Some(due) if ticket.status == TicketStatus::Solved && due <= ctx.now => {
            Ok(vec![TicketEvent::StatusChanged {
                from: TicketStatus::Solved,
                to: TicketStatus::Closed,
            }])
        }
        _ => invalid(format!(
            "{} is not due to close: a ticket closes {} after it is solved.",
            ticket.reference(),
            days(ctx.close_after)
        )),
    }
}

/// "4 days", "1 day", "12 hours".
fn days(length: chrono::Duration) -> String {
    match (length.num_days(), length.num_hours()) {
        (1, 24) => "1 day".to_owned(),
        (d, h) if d >= 1 && h == d * 24 => format!("{d} days"),
        (_, 1) => "1 hour".to_owned(),
        (_, h) => format!("{h} hours"),
    }
}

impl Ticket {
    /// Is this ticket due to be closed by Sitrep at `now`?
    pub fn due_to_close(&self, ctx: &TicketContext<'_>) -> bool {
        close(self, ctx).is_ok()
    }
}
