//! Server functions: thin — who is asking -> Backend call -> result.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub mod tokens;
pub use tokens::{ApiToken, CreatedToken, TokenScope, TokensSnapshot};

use crate::domain::{
    AppError, Command, EventRecord, Incident, Person, RevisedCatalog, RevisedPolicy, RoleCatalog,
    Service, SlaPolicy, User, Vocabulary,
};

/// The incidents list, as of `server_time`, with the id of the last event it includes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IncidentsSnapshot {
    pub incidents: Vec<Incident>,
    pub viewer: User,
    pub server_time: DateTime<Utc>,
    /// Resume the live stream after this event id.
    pub last_event_id: i64,
    pub vocabulary: Vocabulary,
    /// The service catalog (to filter by service).
    pub services: Vec<Service>,
    /// What the SLA clocks count to.
    pub sla_policy: RevisedPolicy,
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
    pub vocabulary: Vocabulary,
    /// The revision of the vocabulary's role catalog (a newer one is fetched when announced).
    pub roles_revision: u64,
    /// The whole service catalog: the linked services' facts, and what can be linked.
    pub services: Vec<Service>,
    /// Who can be given a role.
    pub roster: Vec<Person>,
    /// What the SLA clocks count to.
    pub sla_policy: RevisedPolicy,
}

/// The service catalog screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ServicesSnapshot {
    pub services: Vec<Service>,
    pub viewer: User,
}

/// The role catalog's settings screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RolesSnapshot {
    pub catalog: RoleCatalog,
    /// Each save adds one.
    pub revision: u64,
    pub viewer: User,
}

/// The SLA policy's settings screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SlaSnapshot {
    pub policy: RevisedPolicy,
    pub viewer: User,
    /// The severities' labels.
    pub vocabulary: Vocabulary,
}

/// A saved SLA policy, and the incidents whose running clocks it moved (each has a timeline
/// entry saying how).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SlaPolicySaved {
    pub policy: SlaPolicy,
    /// The policy's revision now (send it back with the next edit).
    pub revision: u64,
    /// Ids of the incidents whose deadlines moved.
    pub moved: Vec<i64>,
}

/// What a command did: the incident after it, and the events it recorded (on this incident).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Acted {
    pub incident: Incident,
    pub events: Vec<EventRecord>,
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

/// Any change to an incident, as a command (JSON in).
#[server(prefix = "/fn", endpoint = "act", input = leptos::server_fn::codec::Json)]
pub async fn act(incident_id: i64, command: Command) -> Result<Acted, AppError> {
    crate::backend::handle(|viewer, backend| async move {
        let (incident, events) = backend.execute(&viewer, Some(incident_id), command).await?;
        let events = events
            .into_iter()
            .filter(|e| e.incident_id == incident_id)
            .collect();
        Ok(Acted { incident, events })
    })
    .await
}

#[server(prefix = "/fn", endpoint = "services")]
pub async fn list_services() -> Result<ServicesSnapshot, AppError> {
    crate::backend::handle(|viewer, backend| async move { backend.services(&viewer).await }).await
}

/// Adds a service (`id` empty) or edits one. Form-encoded, so it works before hydration too.
#[server(prefix = "/fn", endpoint = "save-service")]
pub async fn save_service(
    id: String,
    name: String,
    owner_team: String,
    tier: String,
    runbook_url: String,
    contacts: String,
    description: String,
) -> Result<Service, AppError> {
    crate::backend::handle(|viewer, backend| async move {
        let id = match id.trim() {
            "" => None,
            raw => Some(
                raw.parse::<i64>()
                    .map_err(|_| AppError::bad_request(format!("Invalid service id \"{raw}\".")))?,
            ),
        };
        let tier = tier.trim().parse::<u8>().map_err(|_| {
            AppError::unprocessable(format!("Tier must be 1, 2 or 3 (it was \"{tier}\")."))
        })?;
        let input = crate::domain::ServiceInput {
            name,
            owner_team,
            tier,
            runbook_url,
            contacts,
            description,
        };
        backend.save_service(&viewer, id, input).await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "roles")]
pub async fn get_role_catalog() -> Result<RolesSnapshot, AppError> {
    crate::backend::handle(|viewer, backend| async move { backend.role_catalog(&viewer).await })
        .await
}

/// Replaces the role catalog (admins only; roles are retired, never removed) if it is still at
/// `revision` (what the editor loaded; refused otherwise, as for the SLA policy).
#[server(prefix = "/fn", endpoint = "save-roles", input = leptos::server_fn::codec::Json)]
pub async fn save_role_catalog(
    catalog: RoleCatalog,
    revision: u64,
) -> Result<RevisedCatalog, AppError> {
    crate::backend::handle(|viewer, backend| async move {
        backend
            .save_role_catalog(&viewer, catalog, Some(revision))
            .await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "sla-policy")]
pub async fn get_sla_policy() -> Result<SlaSnapshot, AppError> {
    crate::backend::handle(|viewer, backend| async move { backend.sla_policy(&viewer).await }).await
}

/// Replaces the incident SLA policy (admins only) if it is still at `revision` (what the editor
/// loaded; 409 otherwise); open incidents' deadlines follow.
#[server(prefix = "/fn", endpoint = "save-sla-policy", input = leptos::server_fn::codec::Json)]
pub async fn save_sla_policy(policy: SlaPolicy, revision: u64) -> Result<SlaPolicySaved, AppError> {
    crate::backend::handle(|viewer, backend| async move {
        backend
            .save_sla_policy(&viewer, policy, Some(revision))
            .await
    })
    .await
}
