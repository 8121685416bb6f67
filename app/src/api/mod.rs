//! Server functions: thin — who is asking -> Backend call -> result.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::{AppError, EventRecord, Incident, User};

/// The incidents list, as of `server_time`, with the id of the last event it includes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IncidentsSnapshot {
    pub incidents: Vec<Incident>,
    pub viewer: User,
    pub server_time: DateTime<Utc>,
    /// Resume the live stream after this event id.
    pub last_event_id: i64,
}

/// Everything the incident room shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RoomSnapshot {
    pub incident: Incident,
    pub timeline: Vec<EventRecord>,
    pub viewer: User,
    pub server_time: DateTime<Utc>,
    pub last_event_id: i64,
}

#[server(prefix = "/fn", endpoint = "incidents")]
pub async fn list_incidents() -> Result<IncidentsSnapshot, AppError> {
    crate::backend::handle(|viewer, backend| async move { backend.incidents(&viewer).await }).await
}

#[server(prefix = "/fn", endpoint = "room")]
pub async fn get_room(id: i64) -> Result<RoomSnapshot, AppError> {
    crate::backend::handle(|viewer, backend| async move { backend.room(&viewer, id).await }).await
}

#[server(prefix = "/fn", endpoint = "declare")]
pub async fn declare_incident(
    title: String,
    severity: String,
    summary: String,
) -> Result<Incident, AppError> {
    use crate::domain::{Command, Severity};
    crate::backend::handle(|viewer, backend| async move {
        let severity = Severity::parse(&severity).map_err(AppError::unprocessable)?;
        let command = Command::Declare {
            title,
            severity,
            summary,
        };
        let (incident, _) = backend.execute(&viewer, None, command).await?;
        Ok(incident)
    })
    .await
}

#[server(prefix = "/fn", endpoint = "note")]
pub async fn post_note(incident_id: i64, body: String) -> Result<EventRecord, AppError> {
    use crate::domain::Command;
    crate::backend::handle(|viewer, backend| async move {
        let (_, mut events) = backend
            .execute(&viewer, Some(incident_id), Command::PostNote { body })
            .await?;
        events
            .pop()
            .ok_or_else(|| AppError::internal("The note was not recorded."))
    })
    .await
}

#[server(prefix = "/fn", endpoint = "status")]
pub async fn change_status(
    incident_id: i64,
    status: String,
    expected_version: i64,
) -> Result<Incident, AppError> {
    use crate::domain::{Command, Status};
    crate::backend::handle(|viewer, backend| async move {
        let status = Status::parse(&status).map_err(AppError::unprocessable)?;
        let command = Command::ChangeStatus {
            status,
            expected_version,
        };
        let (incident, _) = backend.execute(&viewer, Some(incident_id), command).await?;
        Ok(incident)
    })
    .await
}
