//! REST `/api/v1/incidents`: the list, declaring, one incident with its clocks, its timeline,
//! notes and status changes.

use app::api::requests::{
    DeclareRequest, ListRequest, NoteRequest, StatusRequest, TimelineRequest,
};
use app::domain::{
    clocks, Clock, EventRecord, Incident, ServiceRef, Severity, SlaPolicy, Status, StatusCounts,
};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::application::internal;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery, CurrentUser};
use crate::http::problem::{ApiResult, Problem};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/incidents", get(list_incidents).post(declare))
        .route("/incidents/{id}", get(get_incident))
        .route("/incidents/{id}/timeline", get(get_timeline))
        .route("/incidents/{id}/notes", post(post_note))
        .route("/incidents/{id}/status", post(change_status))
}

/// An incident with its SLA clocks as of `server_time`.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentView {
    #[serde(flatten)]
    pub incident: Incident,
    /// Each running or stopped clock: target, deadline, state, paused time.
    pub sla: Vec<Clock>,
    /// The server's time the clock states were computed at.
    pub server_time: DateTime<Utc>,
}

impl IncidentView {
    fn new(incident: Incident, policy: &SlaPolicy, now: DateTime<Utc>) -> Self {
        IncidentView {
            sla: clocks(&incident, policy, now),
            incident,
            server_time: now,
        }
    }
}

/// An incident as the list shows it: what identifies it, what it is sorted and filtered by, and
/// its clocks. The whole of it (role board, impact, key moments, …) is
/// `GET /api/v1/incidents/{id}`: a page of rows stays a few hundred bytes each, however much
/// each incident has seen.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListedIncident {
    pub id: i64,
    /// How people name it: `INC-42`.
    #[schema(example = "INC-42")]
    pub reference: String,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    /// Send it back as `expected_version` when changing the incident.
    pub version: i64,
    pub declared_by_name: String,
    pub declared_at: DateTime<Utc>,
    pub detected_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub mitigated_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// The services it affects, in the order they were linked.
    pub services: Vec<ServiceRef>,
    /// Set when it was merged into another incident as a duplicate.
    pub merged_into: Option<i64>,
    /// Each running or stopped clock, as of the list's `server_time`.
    pub sla: Vec<Clock>,
}

impl ListedIncident {
    fn new(incident: Incident, policy: &SlaPolicy, now: DateTime<Utc>) -> Self {
        ListedIncident {
            sla: clocks(&incident, policy, now),
            reference: incident.reference(),
            id: incident.id,
            title: incident.title,
            severity: incident.severity,
            status: incident.status,
            version: incident.version,
            declared_by_name: incident.declared_by_name,
            declared_at: incident.declared_at,
            detected_at: incident.detected_at,
            acknowledged_at: incident.acknowledged_at,
            mitigated_at: incident.mitigated_at,
            resolved_at: incident.resolved_at,
            closed_at: incident.closed_at,
            updated_at: incident.updated_at,
            services: incident.services,
            merged_into: incident.merged_into,
        }
    }
}

/// A page of the incidents list, with every incident counted by status.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentList {
    pub incidents: Vec<ListedIncident>,
    /// Pass as `after` for the next page; absent on the last.
    pub next: Option<String>,
    /// Every incident by status (not only this page's), from a read model.
    pub counts: StatusCounts,
    /// The server's time the clock states were computed at (a page is kept for up to 1 s while
    /// nothing changes, so it can be that old).
    pub server_time: DateTime<Utc>,
}

#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents", params(ListRequest),
    responses((status = 200, body = IncidentList, description = "A page of incidents as the list shows them (open ones, newest first, unless asked otherwise); each whole incident is GET /api/v1/incidents/{id}"),
        (status = 400, body = Problem, description = "A filter, sort or cursor that does not parse"),
        (status = 401, body = Problem)))]
pub async fn list_incidents(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(request): ApiQuery<ListRequest>,
) -> ApiResult<Response> {
    let query = request.query()?;
    // The same question has the same answer for everyone, but for "mine".
    let asker = if query.mine { user.id } else { 0 };
    let key = format!(
        "{asker}:{}",
        serde_json::to_string(&query).map_err(internal)?
    );
    let pages = &state.service.reads.pages;
    let body = match pages.get(&key) {
        Some(body) => body,
        None => {
            let made = pages.now();
            let policy = state.service.sla_policy().await?;
            let now = Utc::now();
            let page = state.service.page(&user, query).await?;
            let list = IncidentList {
                incidents: page
                    .incidents
                    .into_iter()
                    .map(|i| ListedIncident::new(i, &policy, now))
                    .collect(),
                next: page.next,
                counts: state.service.status_counts().await?,
                server_time: now,
            };
            let body = Bytes::from(serde_json::to_vec(&list).map_err(internal)?);
            pages.keep(key, made, body.clone());
            body
        }
    };
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

#[utoipa::path(post, path = "/api/v1/incidents", tag = "incidents", request_body = DeclareRequest,
    responses((status = 201, body = Incident), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn declare(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<DeclareRequest>,
) -> ApiResult<impl IntoResponse> {
    let (incident, _) = state.service.execute(&user, None, body.command()?).await?;
    Ok((StatusCode::CREATED, Json(incident)))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id", example = 1)),
    responses((status = 200, body = IncidentView), (status = 404, body = Problem)))]
pub async fn get_incident(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<IncidentView>> {
    let incident = state.service.incident(id).await?;
    let policy = state.service.sla_policy().await?;
    Ok(Json(IncidentView::new(incident, &policy, Utc::now())))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/timeline", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id", example = 1), TimelineRequest),
    responses((status = 200, body = Vec<EventRecord>,
            description = "A page of the timeline, oldest first: the latest `limit` events before \
                `before`. Older ones: follow the `Link` header.",
            headers(("link" = String, description = "`</api/v1/incidents/{id}/timeline?before=N&limit=L>; \
                rel=\"next\"`: the next, older page; absent on the page that starts with the declaration."))),
        (status = 400, body = Problem, description = "A `before` or `limit` out of range"),
        (status = 404, body = Problem)))]
pub async fn get_timeline(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(request): ApiQuery<TimelineRequest>,
) -> ApiResult<impl IntoResponse> {
    let page = state
        .service
        .timeline_page(id, request.before, request.limit)
        .await?;
    let limit = request.limit.unwrap_or(app::domain::TIMELINE_PAGE);
    let link = page.next.map(|before| {
        format!("</api/v1/incidents/{id}/timeline?before={before}&limit={limit}>; rel=\"next\"")
    });
    let mut events = page.events;
    events.reverse();
    let mut response = Json(events).into_response();
    if let Some(link) = link.and_then(|l| axum::http::HeaderValue::from_str(&l).ok()) {
        response
            .headers_mut()
            .insert(axum::http::header::LINK, link);
    }
    Ok(response)
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/notes", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id", example = 1)), request_body = NoteRequest,
    responses((status = 201, body = EventRecord), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn post_note(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NoteRequest>,
) -> ApiResult<impl IntoResponse> {
    let (_, mut events) = state
        .service
        .execute(&user, Some(id), body.command())
        .await?;
    let event = events
        .pop()
        .ok_or_else(|| crate::application::internal("a note produced no event"))?;
    Ok((StatusCode::CREATED, Json(event)))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/status", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id", example = 1)), request_body = StatusRequest,
    responses((status = 200, body = Incident), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "Stale expected_version"),
        (status = 422, body = Problem, description = "Illegal transition")))]
pub async fn change_status(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<StatusRequest>,
) -> ApiResult<Json<Incident>> {
    let (incident, _) = state
        .service
        .execute(&user, Some(id), body.command()?)
        .await?;
    Ok(Json(incident))
}
