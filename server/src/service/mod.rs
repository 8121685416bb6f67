//! The application: load -> the domain decides -> the store writes events -> the bus publishes.
//! Implements `app::backend::Backend` for the screens and serves the REST API.

use std::sync::Arc;

use app::api::{IncidentsSnapshot, RoomSnapshot};
use app::backend::Backend;
use app::domain::{
    apply, decide, Actor, AppError, Command, DomainError, ErrorKind, EventPayload, EventRecord,
    Incident, User,
};
use chrono::{SubsecRound, Utc};

use crate::bus::Bus;
use crate::store::{Store, StoreError};

/// How often a command without an expected version is retried when it races another writer.
const RETRIES: usize = 8;

#[derive(Clone)]
pub struct Service {
    pub store: Arc<dyn Store>,
    pub bus: Bus,
}

/// Renders what the browser shows but the store does not keep (note HTML).
pub fn render(event: &mut EventRecord) {
    if let EventPayload::NoteAdded { body } = &event.payload {
        event.html = Some(crate::markdown::render(body));
    }
}

pub fn internal(err: impl std::fmt::Display) -> AppError {
    tracing::error!(%err, "internal error");
    AppError::internal("Something went wrong on the server. It has been logged; please retry.")
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => AppError::not_found("Not found."),
            StoreError::Duplicate(what) => {
                AppError::new(ErrorKind::Conflict, format!("{what} already exists."))
            }
            other => internal(other),
        }
    }
}

impl Service {
    pub fn new(store: Arc<dyn Store>, bus: Bus) -> Self {
        Self { store, bus }
    }

    pub async fn incident(&self, id: i64) -> Result<Incident, AppError> {
        self.store
            .incident(id)
            .await?
            .ok_or_else(|| AppError::not_found(format!("Incident {id} does not exist.")))
    }

    pub async fn timeline(&self, id: i64) -> Result<Vec<EventRecord>, AppError> {
        // 404 for unknown incidents rather than an empty list.
        self.incident(id).await?;
        let mut events = self.store.timeline(id).await?;
        events.iter_mut().for_each(render);
        Ok(events)
    }

    pub async fn list(&self) -> Result<Vec<Incident>, AppError> {
        Ok(self.store.incidents().await?)
    }

    /// Runs a command for `actor`. The response is sent only after the events are committed.
    pub async fn execute(
        &self,
        actor: &User,
        target: Option<i64>,
        command: Command,
    ) -> Result<(Incident, Vec<EventRecord>), AppError> {
        if !actor.can_write() {
            return Err(AppError::forbidden(
                "Your role (stakeholder) can read incidents but not change them.",
            ));
        }
        for _ in 0..RETRIES {
            let state = match target {
                Some(id) => Some(self.incident(id).await?),
                None => None,
            };
            let payloads = decide(state.as_ref(), &command).map_err(AppError::from)?;
            // Microseconds: what both databases keep, so a stored incident equals the returned one.
            let now = Utc::now().trunc_subsecs(6);
            let base_version = state.as_ref().map_or(0, |s| s.version);
            let mut next = state.clone();
            let mut events = Vec::with_capacity(payloads.len());
            for (i, payload) in payloads.into_iter().enumerate() {
                let event = EventRecord {
                    id: 0,
                    incident_id: state.as_ref().map_or(0, |s| s.id),
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
            let expected = state.as_ref().map(|s| s.version);
            match self.store.append(expected, &next, &events).await {
                Ok((incident, mut events)) => {
                    self.bus.wake();
                    events.iter_mut().for_each(render);
                    return Ok((incident, events));
                }
                Err(StoreError::Conflict { actual }) => {
                    if let Some(expected) = command.expected_version() {
                        return Err(DomainError::Conflict { expected, actual }.into());
                    }
                    // Notes and other commutative commands: reload and try again.
                    continue;
                }
                Err(StoreError::NotFound) => {
                    return Err(AppError::not_found("The incident no longer exists."))
                }
                Err(other) => return Err(other.into()),
            }
        }
        Err(AppError::new(
            ErrorKind::Conflict,
            "The incident is changing too fast to apply your change; please retry.",
        ))
    }
}

#[async_trait::async_trait]
impl Backend for Service {
    async fn incidents(&self, viewer: &User) -> Result<IncidentsSnapshot, AppError> {
        // Read the cursor first: anything after it is streamed live, and the browser drops what
        // the snapshot already holds.
        let last_event_id = self.store.last_event_id().await?;
        Ok(IncidentsSnapshot {
            incidents: self.list().await?,
            viewer: viewer.clone(),
            server_time: Utc::now(),
            last_event_id,
        })
    }

    async fn room(&self, viewer: &User, id: i64) -> Result<RoomSnapshot, AppError> {
        let last_event_id = self.store.last_event_id().await?;
        let incident = self.incident(id).await?;
        let timeline = self.timeline(id).await?;
        Ok(RoomSnapshot {
            incident,
            timeline,
            viewer: viewer.clone(),
            server_time: Utc::now(),
            last_event_id,
        })
    }

    async fn execute(
        &self,
        actor: &User,
        incident: Option<i64>,
        command: Command,
    ) -> Result<(Incident, Vec<EventRecord>), AppError> {
        Service::execute(self, actor, incident, command).await
    }
}
