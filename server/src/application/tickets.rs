//! Tickets: load what a ticket command refers to, let the domain decide, commit the events (and
//! a merge's survivor's) in one transaction, wake the bus — with the one retry policy of every
//! write (`commands::retrying`).

use app::domain::{
    apply_ticket, decide_ticket, Actor, AppError, Assignee, DomainError, ErrorKind, Ticket,
    TicketCommand, TicketContext, TicketEvent, TicketEventRecord, User,
};
use chrono::{DateTime, SubsecRound, Utc};

use super::commands::{retrying, Attempt};
use super::{internal, Service};
use crate::store::tickets::TicketChange;
use crate::store::{StoreError, Stream};

/// The events `payloads` make on `state`, and the state after them.
fn record(
    state: Option<&Ticket>,
    payloads: Vec<TicketEvent>,
    actor: &User,
    now: DateTime<Utc>,
) -> Result<(Ticket, Vec<TicketEventRecord>), AppError> {
    let base = state.map_or(0, |t| t.version);
    let mut next = state.cloned();
    let mut events = Vec::with_capacity(payloads.len());
    for (i, payload) in payloads.into_iter().enumerate() {
        let event = TicketEventRecord {
            id: 0,
            ticket_id: state.map_or(0, |t| t.id),
            ticket_version: base + 1 + i as i64,
            at: now,
            actor: Actor {
                id: actor.id,
                name: actor.name.clone(),
            },
            payload,
            html: None,
        };
        apply_ticket(&mut next, &event);
        events.push(event);
    }
    let next = next.ok_or_else(|| internal("a ticket command produced no ticket"))?;
    Ok((next, events))
}

impl Service {
    /// The person an update gives tickets to, as the store knows them (`None`: nobody, or no
    /// such person — `decide_ticket` says which).
    async fn assignee_of(&self, command: &TicketCommand) -> Result<Option<User>, AppError> {
        match command {
            TicketCommand::Update(u) => match u.assignee {
                Some(Assignee::Person(id)) => Ok(self.store.user(id).await?),
                _ => Ok(None),
            },
            _ => Ok(None),
        }
    }

    pub async fn ticket(&self, id: i64) -> Result<Ticket, AppError> {
        self.store
            .ticket(id)
            .await?
            .ok_or_else(|| AppError::not_found(format!("Ticket T-{id} does not exist.")))
    }

    /// Runs a ticket command for `actor` (Sitrep's own user for the automatic close) on ticket
    /// `target` (`None`: a new one), taking the mail `mail` names. The response is sent only
    /// after the events are committed. Returns the ticket and its events.
    pub async fn execute_ticket(
        &self,
        actor: &User,
        target: Option<i64>,
        command: TicketCommand,
        mail: Vec<String>,
    ) -> Result<(Ticket, Vec<TicketEventRecord>), AppError> {
        let system = actor.email == crate::store::SYSTEM_EMAIL;
        if !system {
            actor.require(app::domain::Action::WorkTickets)?;
        }
        const BUSY: &str = "The ticket is changing too fast to apply your change; nothing was \
                            saved. Please retry.";
        let command = &command;
        let mail = &mail;
        retrying(BUSY, move || async move {
            let _writing = self.writer.lock().await;
            let state = match target {
                Some(id) => Some(self.ticket(id).await?),
                None => None,
            };
            // What the command refers to; `decide_ticket` says what to do when it is missing.
            let assignee = self.assignee_of(command).await?;
            let other = match command {
                TicketCommand::MergeInto { target_id, .. } if Some(*target_id) != target => {
                    self.store.ticket(*target_id).await?
                }
                _ => None,
            };
            let incident = match command {
                TicketCommand::LinkIncident { incident_id } => {
                    self.store.incident(*incident_id).await?
                }
                _ => None,
            };
            let policy = self.revised_sla_policy().await?;
            // Microseconds: what both databases keep, so a stored ticket equals the returned one.
            let now = Utc::now().trunc_subsecs(6);
            let ctx = TicketContext {
                actor: (!system).then_some(actor),
                now,
                assignee: assignee.as_ref(),
                target: other.as_ref(),
                incident: incident.as_ref(),
                ..TicketContext::default()
            };
            let payloads = decide_ticket(state.as_ref(), command, &ctx).map_err(AppError::from)?;
            if payloads.is_empty() {
                // Nothing to change (a selection's ticket already as asked).
                let ticket = state.ok_or_else(|| internal("no events for a new ticket"))?;
                return Ok(Attempt::Done((ticket, Vec::new())));
            }
            let mut counterparts = Vec::new();
            if let (Some(current), Some(survivor)) = (state.as_ref(), other.as_ref()) {
                for p in &payloads {
                    if let Some((id, theirs)) = p.counterpart(current, survivor) {
                        if id != survivor.id {
                            return Err(internal("a counterpart for an unloaded ticket"));
                        }
                        counterparts.push(theirs);
                    }
                }
            }
            let (next, events) = record(state.as_ref(), payloads, actor, now)?;
            let primary = state.as_ref().map(|t| t.id);
            let mut changes = vec![TicketChange::new(
                state.as_ref().map(|t| t.version),
                next,
                events,
                mail.clone(),
                &policy.policy,
            )];
            if let Some(survivor) = other.as_ref().filter(|_| !counterparts.is_empty()) {
                let theirs = counterparts.into_iter().flatten().collect();
                let (next, events) = record(Some(survivor), theirs, actor, now)?;
                changes.push(TicketChange::new(
                    Some(survivor.version),
                    next,
                    events,
                    Vec::new(),
                    &policy.policy,
                ));
            }
            match self.store.commit_tickets(&changes).await {
                Ok(results) => {
                    self.bus.wake();
                    let mut results = results.into_iter();
                    let (ticket, events) = results
                        .next()
                        .ok_or_else(|| internal("a ticket commit returned nothing"))?;
                    Ok(Attempt::Done((ticket, events)))
                }
                Err(StoreError::Conflict {
                    stream: Stream::Ticket,
                    id,
                    actual,
                }) => {
                    if Some(id) == primary {
                        if let Some(expected) = command.needs().version {
                            return Err(DomainError::Outdated(format!(
                                "Someone else changed T-{id} (you had version {expected}, it is \
                                 now at version {actual}): look again and retry."
                            ))
                            .into());
                        }
                    }
                    // Another instance wrote first: load and decide again.
                    Ok(Attempt::Raced)
                }
                Err(StoreError::Conflict { .. }) => Ok(Attempt::Raced),
                Err(StoreError::NotFound) => {
                    Err(AppError::not_found("The ticket no longer exists."))
                }
                Err(StoreError::Duplicate(what)) => Err(AppError::new(
                    ErrorKind::Conflict,
                    format!("{what} was taken already: it is on its ticket."),
                )),
                Err(other) => Err(other.into()),
            }
        })
        .await
    }
}

/// Most tickets one bulk change may name.
pub const BULK_MAX: usize = 200;

impl Service {
    /// The same triage change on each of `ids`, all or nothing: every ticket is decided first,
    /// and one refusal refuses the whole change (its message names each ticket refused and
    /// why); then all of them commit in one transaction. Tickets already as asked are left as
    /// they are. Returns the tickets in the order asked.
    pub async fn update_tickets(
        &self,
        actor: &User,
        ids: &[i64],
        update: app::domain::TicketUpdate,
    ) -> Result<Vec<Ticket>, AppError> {
        actor.require(app::domain::Action::WorkTickets)?;
        let mut unique: Vec<i64> = Vec::with_capacity(ids.len());
        for id in ids {
            if !unique.contains(id) {
                unique.push(*id);
            }
        }
        if unique.is_empty() {
            return Err(AppError::unprocessable(
                "Name the tickets to change (`ids`).",
            ));
        }
        if unique.len() > BULK_MAX {
            return Err(AppError::unprocessable(format!(
                "A bulk change names at most {BULK_MAX} tickets ({} were given): change them in \
                 batches.",
                unique.len()
            )));
        }
        const BUSY: &str = "These tickets are changing too fast to apply your change; nothing \
                            was saved. Please retry.";
        let command = TicketCommand::Update(update);
        let (command, unique) = (&command, &unique);
        retrying(BUSY, move || async move {
            let _writing = self.writer.lock().await;
            let found = self.store.tickets_by_ids(unique).await?;
            if let Some(missing) = unique.iter().find(|id| !found.iter().any(|t| t.id == **id)) {
                return Err(AppError::not_found(format!(
                    "Ticket T-{missing} does not exist: nothing was changed."
                )));
            }
            let assignee = self.assignee_of(command).await?;
            let policy = self.revised_sla_policy().await?;
            let now = Utc::now().trunc_subsecs(6);
            let ctx = TicketContext {
                actor: Some(actor),
                now,
                assignee: assignee.as_ref(),
                ..TicketContext::default()
            };
            let mut changes = Vec::new();
            let mut refused: Vec<(String, AppError)> = Vec::new();
            for ticket in &found {
                match decide_ticket(Some(ticket), command, &ctx) {
                    Ok(payloads) if payloads.is_empty() => {}
                    Ok(payloads) => {
                        let (next, events) = record(Some(ticket), payloads, actor, now)?;
                        changes.push(TicketChange::new(
                            Some(ticket.version),
                            next,
                            events,
                            Vec::new(),
                            &policy.policy,
                        ));
                    }
                    Err(e) => refused.push((ticket.reference(), e.into())),
                }
            }
            if let Some((_, first)) = refused.first() {
                let each: Vec<String> = refused
                    .iter()
                    .map(|(reference, e)| format!("{reference}: {}", e.message))
                    .collect();
                return Err(AppError::new(
                    first.kind,
                    format!("Nothing was changed. {}", each.join(" ")),
                ));
            }
            if changes.is_empty() {
                return Ok(Attempt::Done(ordered(found, unique)));
            }
            match self.store.commit_tickets(&changes).await {
                Ok(results) => {
                    self.bus.wake();
                    let mut all = found;
                    for (stored, _) in results {
                        if let Some(slot) = all.iter_mut().find(|t| t.id == stored.id) {
                            *slot = stored;
                        }
                    }
                    Ok(Attempt::Done(ordered(all, unique)))
                }
                // One of them changed meanwhile: decide them all again.
                Err(StoreError::Conflict { .. }) => Ok(Attempt::Raced),
                Err(StoreError::NotFound) => Err(AppError::not_found(
                    "One of the tickets no longer exists: nothing was changed.",
                )),
                Err(other) => Err(other.into()),
            }
        })
        .await
    }
}

/// `tickets` in the order of `ids`.
fn ordered(mut tickets: Vec<Ticket>, ids: &[i64]) -> Vec<Ticket> {
    tickets.sort_by_key(|t| ids.iter().position(|id| *id == t.id));
    tickets
}
