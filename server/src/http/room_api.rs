//! REST `/api/v1` for everything the incident room changes, the service catalog, exports and the
//! vocabulary. Each change is a domain command; the response is what it did (`Acted`).

use app::api::Acted;
use app::domain::{
    Affected, AppError, Command, ImpactCommand, LifecycleCommand, Milestone, Service, ServiceInput,
    Severity, TimelineCommand, User, Visibility, Vocabulary,
};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, patch, post, put};
use axum::{Extension, Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::problem::{ApiJson, ApiPath, ApiQuery, ApiResult, Problem};
use super::session::CurrentUser;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/incidents/{id}/acknowledge", post(acknowledge))
        .route("/incidents/{id}/severity", post(change_severity))
        .route("/incidents/{id}/impact", put(update_impact))
        .route("/incidents/{id}/services", post(link_service))
        .route(
            "/incidents/{id}/services/{service_id}",
            axum::routing::delete(unlink_service),
        )
        .route("/incidents/{id}/timestamps/{milestone}", put(set_timestamp))
        .route("/incidents/{id}/updates", post(publish_update))
        .route("/incidents/{id}/pins/{event_id}", put(pin).delete(unpin))
        .route(
            "/incidents/{id}/notes/{event_id}",
            patch(edit_note).delete(delete_note),
        )
        .route("/incidents/{id}/merge", post(merge))
        .route("/incidents/{id}/export", get(export))
        .route("/services", get(list_services).post(create_service))
        .route("/services/{id}", get(get_service).put(update_service))
        .route("/vocabulary", get(vocabulary))
}

pub(super) async fn run(
    state: &AppState,
    user: &User,
    id: i64,
    command: Command,
) -> ApiResult<Json<Acted>> {
    let (incident, events) = state.service.execute(user, Some(id), command).await?;
    let events = events.into_iter().filter(|e| e.incident_id == id).collect();
    Ok(Json(Acted { incident, events }))
}

pub(super) fn parse<T>(parsed: Result<T, String>) -> Result<T, AppError> {
    parsed.map_err(AppError::unprocessable)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SeverityRequest {
    /// `sev1` … `sev4`.
    #[schema(value_type = Severity)]
    pub severity: String,
    /// Why, 1–500 characters; shown on the timeline.
    pub reason: String,
    pub expected_version: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ImpactRequest {
    /// What customers see, up to 2,000 characters.
    #[serde(default)]
    pub customer_impact: String,
    /// `unknown`, `few`, `some` or `all`.
    #[schema(value_type = Affected)]
    pub affected: String,
    pub expected_version: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LinkServiceRequest {
    pub service_id: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TimestampRequest {
    /// RFC 3339, not in the future.
    pub at: DateTime<Utc>,
    /// Why, 1–500 characters.
    pub reason: String,
    pub expected_version: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateRequest {
    /// `internal` or `public`.
    #[schema(value_type = Visibility)]
    pub visibility: String,
    /// Markdown, 1–5,000 characters.
    pub body: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EditNoteRequest {
    /// Markdown, 1–20,000 characters.
    pub body: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MergeRequest {
    /// The incident this one duplicates.
    pub target_id: i64,
    pub expected_version: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `md` (Markdown) or `csv`.
    #[param(schema_with = export_format, required = true)]
    pub format: String,
}

/// Taken as text, so that another format gets a 404 that names the ones there are.
fn export_format() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(["md", "csv"]))
        .build()
}

pub(super) type Me = Extension<CurrentUser>;

#[utoipa::path(post, path = "/api/v1/incidents/{id}/acknowledge", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id", example = 1)),
    responses((status = 200, body = Acted), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem, description = "Already acknowledged")))]
pub async fn acknowledge(
    State(state): State<AppState>,
    Extension(CurrentUser(user)): Me,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Acted>> {
    run(
        &state,
        &user,
        id,
        Command::Lifecycle(LifecycleCommand::Acknowledge),
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/severity", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id", example = 1)), request_body = SeverityRequest,
    responses((status = 200, body = Acted), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn change_severity(
    State(state): State<AppState>,
    Extension(CurrentUser(user)): Me,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<SeverityRequest>,
) -> ApiResult<Json<Acted>> {
    let command = Command::Lifecycle(LifecycleCommand::ChangeSeverity {
        severity: parse(Severity::parse(&body.severity))?,
        reason: body.reason,
        expected_version: body.expected_version,
    });
    run(&state, &user, id, command).await
}

#[utoipa::path(put, path = "/api/v1/incidents/{id}/impact", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id", example = 1)), request_body = ImpactRequest,
    responses((status = 200, body = Acted), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_impact(
    State(state): State<AppState>,
    Extension(CurrentUser(user)): Me,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ImpactRequest>,
) -> ApiResult<Json<Acted>> {
    let command = Command::Impact(ImpactCommand::Update {
        customer_impact: body.customer_impact,
        affected: parse(Affected::parse(&body.affected))?,
        expected_version: body.expected_version,
    });
    run(&state, &user, id, command).await
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/services", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id", example = 1)), request_body = LinkServiceRequest,
    responses((status = 200, body = Acted), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn link_service(
    State(state): State<AppState>,
    Extension(CurrentUser(user)): Me,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<LinkServiceRequest>,
) -> ApiResult<Json<Acted>> {
    let command = Command::Impact(ImpactCommand::LinkService {
        service_id: body.service_id,
    });
    run(&state, &user, id, command).await
}

#[utoipa::path(delete, path = "/api/v1/incidents/{id}/services/{service_id}", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id", example = 1), ("service_id" = i64, Path, description = "Service id")),
    responses((status = 200, body = Acted), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn unlink_service(
    State(state): State<AppState>,
    Extension(CurrentUser(user)): Me,
    ApiPath((id, service_id)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<Acted>> {
    run(
        &state,
        &user,
        id,
        Command::Impact(ImpactCommand::UnlinkService { service_id }),
    )
    .await
}

#[utoipa::path(put, path = "/api/v1/incidents/{id}/timestamps/{milestone}", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id", example = 1),
        ("milestone" = Milestone, Path, description = "started, detected, acknowledged, mitigated, resolved or closed")),
    request_body = TimestampRequest,
    responses((status = 200, body = Acted), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem),
        (status = 422, body = Problem, description = "Out of order (started ≤ detected ≤ acknowledged ≤ mitigated ≤ resolved ≤ closed), in the future, or not happened yet")))]
pub async fn set_timestamp(
    State(state): State<AppState>,
    Extension(CurrentUser(user)): Me,
    ApiPath((id, milestone)): ApiPath<(i64, String)>,
    ApiJson(body): ApiJson<TimestampRequest>,
) -> ApiResult<Json<Acted>> {
    let command = Command::Lifecycle(LifecycleCommand::SetTimestamp {
        milestone: parse(Milestone::parse(&milestone))?,
        at: body.at,
        reason: body.reason,
        expected_version: body.expected_version,
    });
    run(&state, &user, id, command).await
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/updates", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id", example = 1)), request_body = UpdateRequest,
    responses((status = 200, body = Acted), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn publish_update(
    State(state): State<AppState>,
    Extension(CurrentUser(user)): Me,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UpdateRequest>,
) -> ApiResult<Json<Acted>> {
    let command = Command::Timeline(TimelineCommand::PublishUpdate {
        visibility: parse(Visibility::parse(&body.visibility))?,
        body: body.body,
    });
    run(&state, &user, id, command).await
}

#[utoipa::path(put, path = "/api/v1/incidents/{id}/pins/{event_id}", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id", example = 1), ("event_id" = i64, Path, description = "Timeline entry (event) id")),
    responses((status = 200, body = Acted), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn pin(
    State(state): State<AppState>,
    Extension(CurrentUser(user)): Me,
    ApiPath((id, event_id)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<Acted>> {
    run(
        &state,
        &user,
        id,
        Command::Timeline(TimelineCommand::Pin { event_id }),
    )
    .await
}

#[utoipa::path(delete, path = "/api/v1/incidents/{id}/pins/{event_id}", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id", example = 1), ("event_id" = i64, Path, description = "Timeline entry (event) id")),
    responses((status = 200, body = Acted), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn unpin(
    State(state): State<AppState>,
    Extension(CurrentUser(user)): Me,
    ApiPath((id, event_id)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<Acted>> {
    run(
        &state,
        &user,
        id,
        Command::Timeline(TimelineCommand::Unpin { event_id }),
    )
    .await
}

#[utoipa::path(patch, path = "/api/v1/incidents/{id}/notes/{event_id}", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id", example = 1), ("event_id" = i64, Path, description = "The note's event id")),
    request_body = EditNoteRequest,
    responses((status = 200, body = Acted), (status = 403, body = Problem, description = "Not your note"),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn edit_note(
    State(state): State<AppState>,
    Extension(CurrentUser(user)): Me,
    ApiPath((id, event_id)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<EditNoteRequest>,
) -> ApiResult<Json<Acted>> {
    let command = Command::Timeline(TimelineCommand::EditNote {
        event_id,
        body: body.body,
    });
    run(&state, &user, id, command).await
}

#[utoipa::path(delete, path = "/api/v1/incidents/{id}/notes/{event_id}", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id", example = 1), ("event_id" = i64, Path, description = "The note's event id")),
    responses((status = 200, body = Acted), (status = 403, body = Problem, description = "Not your note"),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn delete_note(
    State(state): State<AppState>,
    Extension(CurrentUser(user)): Me,
    ApiPath((id, event_id)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<Acted>> {
    run(
        &state,
        &user,
        id,
        Command::Timeline(TimelineCommand::DeleteNote { event_id }),
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/merge", tag = "incidents",
    params(("id" = i64, Path, description = "The duplicate's id")), request_body = MergeRequest,
    responses((status = 200, body = Acted), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn merge(
    State(state): State<AppState>,
    Extension(CurrentUser(user)): Me,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MergeRequest>,
) -> ApiResult<Json<Acted>> {
    let command = Command::Lifecycle(LifecycleCommand::MergeInto {
        target_id: body.target_id,
        expected_version: body.expected_version,
    });
    run(&state, &user, id, command).await
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/export", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id", example = 1), ExportQuery),
    responses((status = 200, description = "The timeline as Markdown or CSV",
            content((String = "text/markdown"), (String = "text/csv"))),
        (status = 404, body = Problem, description = "No such incident, or no such format")))]
pub async fn export(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> ApiResult<impl IntoResponse> {
    let (body, content_type) = state.service.export(id, &query.format).await?;
    let disposition = format!(
        "attachment; filename=\"INC-{id}-timeline.{}\"",
        query.format
    );
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    ))
}

#[utoipa::path(get, path = "/api/v1/services", tag = "services",
    responses((status = 200, body = Vec<Service>)))]
pub async fn list_services(State(state): State<AppState>) -> ApiResult<Json<Vec<Service>>> {
    Ok(Json(state.service.services().await?))
}

#[utoipa::path(get, path = "/api/v1/services/{id}", tag = "services",
    params(("id" = i64, Path, description = "Service id")),
    responses((status = 200, body = Service), (status = 404, body = Problem)))]
pub async fn get_service(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Service>> {
    Ok(Json(state.service.service(id).await?))
}

#[utoipa::path(post, path = "/api/v1/services", tag = "services", request_body = ServiceInput,
    responses((status = 201, body = Service), (status = 403, body = Problem),
        (status = 409, body = Problem, description = "Name taken"), (status = 422, body = Problem)))]
pub async fn create_service(
    State(state): State<AppState>,
    Extension(CurrentUser(user)): Me,
    ApiJson(body): ApiJson<ServiceInput>,
) -> ApiResult<impl IntoResponse> {
    let service = state.service.save_service(&user, None, body).await?;
    Ok((StatusCode::CREATED, Json(service)))
}

#[utoipa::path(put, path = "/api/v1/services/{id}", tag = "services", request_body = ServiceInput,
    params(("id" = i64, Path, description = "Service id")),
    responses((status = 200, body = Service), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Name taken"), (status = 422, body = Problem)))]
pub async fn update_service(
    State(state): State<AppState>,
    Extension(CurrentUser(user)): Me,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ServiceInput>,
) -> ApiResult<Json<Service>> {
    Ok(Json(
        state.service.save_service(&user, Some(id), body).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/vocabulary", tag = "operations",
    responses((status = 200, body = Vocabulary, description = "Severity and status labels, update templates and roles")))]
pub async fn vocabulary(State(state): State<AppState>) -> ApiResult<Json<Vocabulary>> {
    Ok(Json(state.service.vocabulary_now().await?))
}
