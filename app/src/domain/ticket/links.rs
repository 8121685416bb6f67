//! A ticket's links: merged into the ticket it duplicates, and linked to the incident that
//! caused it (one incident at most).

use super::context::TicketContext;
use super::event::TicketEvent;
use super::state::Ticket;
use super::values::TicketStatus;
use crate::domain::error::{invalid, DomainError};
use crate::domain::incident::Status;

pub(super) fn merge_into(
    ticket: &Ticket,
    target_id: i64,
    ctx: &TicketContext<'_>,
) -> Result<Vec<TicketEvent>, DomainError> {
    if target_id == ticket.id {
        return invalid("A ticket cannot be merged into itself.");
    }
    let target = match ctx.target {
        Some(t) if t.id == target_id => t,
        _ => {
            return Err(DomainError::NotFound(format!(
                "Ticket T-{target_id} does not exist."
            )))
        }
    };
    if let Some(further) = target.merged_into {
        return invalid(format!(
            "{} was itself merged into T-{further}: merge into T-{further} instead.",
            target.reference()
        ));
    }
    if target.status == TicketStatus::Closed {
        return invalid(format!(
            "{} is closed: merge into a ticket that is not.",
            target.reference()
        ));
    }
    if let (Some(mine), Some(theirs)) = (ticket.incident_id, target.incident_id) {
        if mine != theirs {
            return invalid(format!(
                "{} is linked to INC-{mine} and {} to INC-{theirs}: unlink one of them first.",
                ticket.reference(),
                target.reference()
            ));
        }
    }
    // Its incident link moves to the survivor (`TicketEvent::counterpart`); the duplicate is
    // done with: Zendesk closes it too.
    let mut events = Vec::new();
    if let Some(incident_id) = ticket.incident_id {
        events.push(TicketEvent::IncidentUnlinked { incident_id });
    }
    events.push(TicketEvent::MergedInto {
        target_id,
        target_subject: target.subject.clone(),
    });
    events.push(TicketEvent::StatusChanged {
        from: ticket.status,
        to: TicketStatus::Closed,
    });
    Ok(events)
}

pub(super) fn link_incident(
    ticket: &Ticket,
    incident_id: i64,
    ctx: &TicketContext<'_>,
) -> Result<Vec<TicketEvent>, DomainError> {
    let incident = match ctx.incident {
        Some(i) if i.id == incident_id => i,
        _ => {
            return Err(DomainError::NotFound(format!(
                "Incident INC-{incident_id} does not exist."
            )))
        }
    };
    if matches!(
        incident.status,
        Status::Closed | Status::Declined | Status::Merged
    ) {
        let hint = match incident.merged_into {
            Some(into) => format!(": link to INC-{into}, which it was merged into"),
            None => ": link to an incident that is still open or resolved".to_owned(),
        };
        return invalid(format!(
            "{} is {}{hint}.",
            incident.reference(),
            incident.status.label().to_lowercase()
        ));
    }
    match ticket.incident_id {
        Some(linked) if linked == incident_id => Ok(Vec::new()),
        Some(linked) => invalid(format!(
            "{} is already linked to INC-{linked}: a ticket links to one incident; unlink it \
             there first.",
            ticket.reference()
        )),
        None => Ok(vec![TicketEvent::IncidentLinked { incident_id }]),
    }
}

pub(super) fn unlink_incident(
    ticket: &Ticket,
    incident_id: i64,
) -> Result<Vec<TicketEvent>, DomainError> {
    match ticket.incident_id {
        Some(linked) if linked == incident_id => {
            Ok(vec![TicketEvent::IncidentUnlinked { incident_id }])
        }
        Some(linked) => invalid(format!(
            "{} is not linked to INC-{incident_id}: it is linked to INC-{linked}.",
            ticket.reference()
        )),
        None => invalid(format!(
            "{} is not linked to INC-{incident_id}: it is linked to no incident.",
            ticket.reference()
        )),
    }
}
