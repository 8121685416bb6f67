//! Commands: load what a command refers to, let the domain decide, append the events, wake
//! the bus. One retry policy for a race lost to another instance, and one refusal of a stale
//! version, for every aggregate (settings saves use them too).

use app::domain::{
    apply, counterpart, decide, Action, Actor, AppError, Command, Context, DomainError, ErrorKind,
    EventPayload, EventRecord, Incident, User,
};
use chrono::{DateTime, SubsecRound, Utc};

use super::{internal, Service};
use crate::markdown::render_event;
use crate::store::{Change, StoreError, Stream};

/// How long a write that carries no expected version keeps trying when another instance wrote
/// the same stream first (within one instance, the writer lock rules races out). Twenty
/// responders typing into one room is the normal case: such a command must land.
const RACE_FOR: std::time::Duration = std::time::Duration::from_secs(20);

/// A short, growing, jittered pause before deciding again after another instance won a race.
async fn back_off(attempt: u32) {
    let base = 5u64 << attempt.min(6);
    let jitter = rand::random::<u64>() % base.max(1);
    tokio::time::sleep(std::time::Duration::from_millis(base + jitter)).await;
}

/// What one try of a write came to.
pub(super) enum Attempt<T> {
    Done(T),
    /// Another writer committed to the same stream first: load and decide again.
    Raced,
}

/// Runs `attempt` until it is done: the one retry policy of every write. A lost race is tried
/// again after a growing pause, for `RACE_FOR` from the first one lost; then `busy` (503, nothing
/// saved). A stale version the writer named is not a race: `attempt` refuses it itself.
/// (`attempt` copies the references it holds into each try: an `async` closure's future would
/// not be `Send` for the spawned tasks that run it.)
pub(super) async fn retrying<T, Try>(
    busy: &str,
    mut attempt: impl FnMut() -> Try,
) -> Result<T, AppError>
where
    Try: std::future::Future<Output = Result<Attempt<T>, AppError>>,
{
    // Counted from the first race lost, not from the wait for this instance's writers.
    let mut racing_since: Option<std::time::Instant> = None;
    let mut tries = 0u32;
    loop {
        if tries > 0 {
            back_off(tries).await;
        }
        tries = tries.saturating_add(1);
        match attempt().await? {
            Attempt::Done(done) => return Ok(done),
            Attempt::Raced => {
                let since = *racing_since.get_or_insert_with(std::time::Instant::now);
                if since.elapsed() >= RACE_FOR {
                    return Err(AppError::new(ErrorKind::Unavailable, busy));
                }
            }
        }
    }
}

/// Refuses a save decided on a revision of `what` other than `actual` when the writer named the
/// revisions it loaded (an `If-Match`, or what an editor loaded): 412, with the words the
/// settings screens show. `None`: the writer did not say, the save applies to whatever is there.
pub(super) fn check_revision(
    what: &str,
    expected: Option<&[u64]>,
    actual: u64,
) -> Result<(), AppError> {
    let Some(expected) = expected.filter(|e| !e.contains(&actual)) else {
        return Ok(());
    };
    let loaded: Vec<String> = expected.iter().map(u64::to_string).collect();
    Err(AppError::new(
        ErrorKind::PreconditionFailed,
        format!(
            "Someone else changed {what} since you loaded it (revision {}; it is now at \
             {actual}). Here is the latest: make your change again.",
            if loaded.is_empty() {
                "unknown".to_owned()
            } else {
                loaded.join(" or ")
            },
        ),
    ))
}

/// The events `payloads` make on `state`, and the state after them.
pub(super) fn record(
    state: Option<&Incident>,
    payloads: Vec<EventPayload>,
    actor: &User,
    now: DateTime<Utc>,
) -> Result<(Incident, Vec<EventRecord>), AppError> {
    let base_version = state.map_or(0, |s| s.version);
    let mut next = state.cloned();
    let mut events = Vec::with_capacity(payloads.len());
    for (i, payload) in payloads.into_iter().enumerate() {
        let event = EventRecord {
            id: 0,
            incident_id: state.map_or(0, |s| s.id),
            incident_version: base_version + 1 + i as i64,
            at: now,
            actor: Actor {
                id: actor.id,
                name: actor.name.clone(),
            },
            payload,
            html: None,
        };
        apply(&mut next, &event);
        events.push(event);
    }
    let next = next.ok_or_else(|| internal("a command produced no incident"))?;
    Ok((next, events))
}

impl Service {
    /// Runs a command for `actor`: loads what it refers to, lets the domain decide, and appends
    /// the events (with their counterparts on other incidents, e.g. a merge's survivor) in one
    /// transaction. The response is sent only after the events are committed. Returns the
    /// incident and every event recorded.
    pub async fn execute(
        &self,
        actor: &User,
        target: Option<i64>,
        command: Command,
    ) -> Result<(Incident, Vec<EventRecord>), AppError> {
        let system = actor.email == crate::store::SYSTEM_EMAIL;
        if command.is_system() != system {
            return Err(AppError::forbidden(if system {
                "Sitrep itself only records SLA breaches."
            } else {
                "Only Sitrep itself records SLA breaches."
            }));
        }
        if !system {
            actor.require(Action::ChangeIncidents)?;
        }
        let refers = command.refers();
        const BUSY: &str = "The incident is changing too fast to apply your change; nothing \
                            was saved. Please retry.";
        let command = &command;
        let refers = &refers;
        retrying(BUSY, move || async move {
            let _writing = self.writer.lock().await;
            let state = match target {
                Some(id) => Some(self.incident(id).await?),
                None => None,
            };
            // What the command refers to; `decide` says what to do when it does not exist.
            let entry = match refers.entry {
                Some(id) => self.store.event(id).await?,
                None => None,
            };
            let service = match refers.service {
                Some(id) => self.store.service(id).await?.map(|s| s.reference()),
                None => None,
            };
            let other = match refers.incident {
                Some(id) if Some(id) != target => self.store.incident(id).await?,
                _ => None,
            };
            let person = match refers.person {
                Some(id) => self.store.user(id).await?,
                None => None,
            };
            // Every write says when the breach recorder must next look (`Change::new`).
            let policy = self.revised_sla_policy().await?;
            let roles = match refers.roles {
                true => Some(self.role_catalog().await?),
                false => None,
            };
            // Microseconds: what both databases keep, so a stored incident equals the returned one.
            let now = Utc::now().trunc_subsecs(6);
            let ctx = Context {
                actor_id: actor.id,
                now,
                entry: entry.as_ref(),
                service: service.as_ref(),
                target: other.as_ref(),
                person: person.as_ref(),
                roles: roles.as_ref(),
            };
            let payloads = decide(state.as_ref(), command, &ctx).map_err(AppError::from)?;
            let mut counterparts = Vec::new();
            if let Some(current) = state.as_ref() {
                for p in &payloads {
                    if let Some((id, payload)) = counterpart(current, p) {
                        let other = other
                            .as_ref()
                            .filter(|o| o.id == id)
                            .ok_or_else(|| internal("a counterpart for an unloaded incident"))?;
                        counterparts.push((other.clone(), payload));
                    }
                }
            }
            let (next, events) = record(state.as_ref(), payloads, actor, now)?;
            let primary = state.as_ref().map(|s| s.id);
            let mut changes = vec![Change::new(
                state.as_ref().map(|s| s.version),
                next,
                events,
                &policy,
            )];
            for (other, payload) in counterparts {
                let (next, events) = record(Some(&other), vec![payload], actor, now)?;
                changes.push(Change::new(Some(other.version), next, events, &policy));
            }
            match self.store.append_all(&changes).await {
                Ok(results) => {
                    self.reads.pages.drop_all();
                    self.bus.wake();
                    for (_, events) in &results {
                        self.metrics.appended(events);
                    }
                    let mut results = results.into_iter();
                    let (incident, mut events) = results
                        .next()
                        .ok_or_else(|| internal("an append returned nothing"))?;
                    for (_, more) in results {
                        events.extend(more);
                    }
                    events.iter_mut().for_each(render_event);
                    Ok(Attempt::Done((incident, events)))
                }
                Err(StoreError::Conflict {
                    stream: Stream::Incident,
                    id,
                    actual,
                }) => {
                    if Some(id) == primary {
                        if let Some(expected) = command.expected_version() {
                            return Err(DomainError::Conflict { expected, actual }.into());
                        }
                    }
                    // Another instance wrote first. Commutative commands (notes, pins, links),
                    // or the other incident of a merge moved: reload and decide again.
                    Ok(Attempt::Raced)
                }
                // Commands write incidents only: the SLA policy changed meanwhile.
                Err(StoreError::Conflict { .. }) => Ok(Attempt::Raced),
                Err(StoreError::NotFound) => {
                    Err(AppError::not_found("The incident no longer exists."))
                }
                Err(other) => Err(other.into()),
            }
        })
        .await
    }
}
