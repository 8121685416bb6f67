//! The screens' way to the server: server functions (thin — who is asking -> `Backend` call ->
//! result), the `Backend` seam the server implements, and the data that crosses it.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub mod backend;
pub mod codec;
pub mod requests;
pub mod sections;
pub mod snapshots;
pub mod ticket_requests;
pub mod tokens;
pub use sections::{FoldedSections, RoomSection};
pub use snapshots::{
    Acted, ApiToken, CreatedToken, IncidentsSnapshot, PageAt, RolesSnapshot, RoomSnapshot,
    ServicesSnapshot, SlaPolicySaved, SlaSnapshot, TimelinePage, TokenScope, TokensSnapshot,
};

use crate::domain::{
    AppError, Command, EventRecord, Incident, IncidentQuery, RevisedCatalog, RoleCatalog, Service,
    SlaPolicy,
};

/// The incidents screen: the first page for `query` and what the screen needs besides.
#[server(prefix = "/fn", endpoint = "incidents", input = leptos::server_fn::codec::Json)]
pub async fn list_incidents(query: IncidentQuery) -> Result<IncidentsSnapshot, AppError> {
    backend::handle(|viewer, backend| async move { backend.incidents(&viewer, query).await }).await
}

/// A page of the incidents list: the next one (`query.after`), or the first for new filters.
#[server(prefix = "/fn", endpoint = "incidents-page", input = leptos::server_fn::codec::Json)]
pub async fn incidents_page(query: IncidentQuery) -> Result<PageAt, AppError> {
    backend::handle(|viewer, backend| async move { backend.incidents_page(&viewer, query).await })
        .await
}

/// Every incident by status.
#[server(prefix = "/fn", endpoint = "status-counts")]
pub async fn count_by_status() -> Result<crate::domain::StatusCounts, AppError> {
    backend::handle(|viewer, backend| async move { backend.status_counts(&viewer).await }).await
}

/// One incident, as the list shows it.
#[server(prefix = "/fn", endpoint = "incident")]
pub async fn get_incident(id: i64) -> Result<Incident, AppError> {
    backend::handle(|viewer, backend| async move { backend.incident(&viewer, id).await }).await
}

#[server(prefix = "/fn", endpoint = "room")]
pub async fn get_room(id: i64) -> Result<RoomSnapshot, AppError> {
    backend::handle(|viewer, backend| async move {
        let mut room = backend.room(&viewer, id).await?;
        // The person's folded sections come with the page, so that it renders folded.
        room.folded = sections::folded_in_request(viewer.id);
        Ok(room)
    })
    .await
}

/// An older page of a room's timeline: the events before stream version `before`.
#[server(prefix = "/fn", endpoint = "older-entries")]
pub async fn older_entries(incident_id: i64, before: i64) -> Result<TimelinePage, AppError> {
    backend::handle(|viewer, backend| async move {
        backend
            .timeline(&viewer, incident_id, Some(before), None)
            .await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "declare")]
pub async fn declare_incident(
    title: String,
    severity: String,
    summary: String,
) -> Result<Incident, AppError> {
    backend::handle(|viewer, backend| async move {
        let command = requests::DeclareRequest {
            title,
            severity,
            summary,
        }
        .command()?;
        let (incident, _) = backend.execute(&viewer, None, command).await?;
        Ok(incident)
    })
    .await
}

#[server(prefix = "/fn", endpoint = "note")]
pub async fn post_note(incident_id: i64, body: String) -> Result<EventRecord, AppError> {
    backend::handle(|viewer, backend| async move {
        let command = requests::NoteRequest { body }.command();
        let (_, mut events) = backend.execute(&viewer, Some(incident_id), command).await?;
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
    backend::handle(|viewer, backend| async move {
        let command = requests::StatusRequest {
            status,
            expected_version,
        }
        .command()?;
        let (incident, _) = backend.execute(&viewer, Some(incident_id), command).await?;
        Ok(incident)
    })
    .await
}

/// Any change to an incident, as a command (JSON in).
#[server(prefix = "/fn", endpoint = "act", input = leptos::server_fn::codec::Json)]
pub async fn act(incident_id: i64, command: Command) -> Result<Acted, AppError> {
    backend::handle(|viewer, backend| async move {
        let done = backend.execute(&viewer, Some(incident_id), command).await?;
        Ok(Acted::on(incident_id, done))
    })
    .await
}

#[server(prefix = "/fn", endpoint = "services")]
pub async fn list_services() -> Result<ServicesSnapshot, AppError> {
    backend::handle(|viewer, backend| async move { backend.services(&viewer).await }).await
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
    backend::handle(|viewer, backend| async move {
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
    backend::handle(|viewer, backend| async move { backend.role_catalog(&viewer).await }).await
}

/// Replaces the role catalog (admins only; roles are retired, never removed) if it is still at
/// `revision` (what the editor loaded; refused otherwise, as for the SLA policy).
#[server(prefix = "/fn", endpoint = "save-roles", input = leptos::server_fn::codec::Json)]
pub async fn save_role_catalog(
    catalog: RoleCatalog,
    revision: u64,
) -> Result<RevisedCatalog, AppError> {
    backend::handle(|viewer, backend| async move {
        backend
            .save_role_catalog(&viewer, catalog, Some(revision))
            .await
    })
    .await
}

#[server(prefix = "/fn", endpoint = "sla-policy")]
pub async fn get_sla_policy() -> Result<SlaSnapshot, AppError> {
    backend::handle(|viewer, backend| async move { backend.sla_policy(&viewer).await }).await
}

/// Every time zone's IANA name, for the SLA calendar's picker (the browser has no zone database).
#[server(prefix = "/fn", endpoint = "time-zones")]
pub async fn time_zones() -> Result<Vec<String>, AppError> {
    Ok(crate::domain::sla::zone::all_names())
}

/// Replaces the incident SLA policy (admins only) if it is still at `revision` (what the editor
/// loaded; 412 otherwise); open incidents' deadlines follow.
#[server(prefix = "/fn", endpoint = "save-sla-policy", input = leptos::server_fn::codec::Json)]
pub async fn save_sla_policy(policy: SlaPolicy, revision: u64) -> Result<SlaPolicySaved, AppError> {
    backend::handle(|viewer, backend| async move {
        backend
            .save_sla_policy(&viewer, policy, Some(revision))
            .await
    })
    .await
}
