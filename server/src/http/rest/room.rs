//! REST `/api/v1/incidents/{id}/…` for everything the incident room changes: acknowledging,
//! severity, impact, linked services, timestamps, status updates, pins, note edits, merging; and
//! the timeline's export. Each change is a domain command; the answer is what it did (`Acted`).

use app::api::requests::{
    EditNoteRequest, ImpactRequest, LinkServiceRequest, MergeRequest, SeverityRequest,
    TimestampRequest, UpdateRequest,
};
use app::api::Acted;
use app::domain::{Command, ImpactCommand, LifecycleCommand, Milestone, TimelineCommand};
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{delete, get, patch, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::IntoParams;

use super::command::run;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery, CurrentUser};
use crate::http::problem::{ApiResult, Problem};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/incidents/{id}/acknowledge", post(acknowledge))
        .route("/incidents/{id}/severity", post(change_severity))
        .route("/incidents/{id}/impact", put(update_impact))
        .route("/incidents/{id}/services", post(link_service))
        .route(
            "/incidents/{id}/services/{service_id}",
            delete(unlink_service),
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

#[utoipa::path(post, path = "/api/v1/incidents/{id}/acknowledge", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id", example = 1)),
    responses((status = 200, body = Acted), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem, description = "Already acknowledged")))]
pub async fn acknowledge(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
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
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<SeverityRequest>,
) -> ApiResult<Json<Acted>> {
    run(&state, &user, id, body.command()?).await
}

#[utoipa::path(put, path = "/api/v1/incidents/{id}/impact", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id", example = 1)), request_body = ImpactRequest,
    responses((status = 200, body = Acted), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_impact(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ImpactRequest>,
) -> ApiResult<Json<Acted>> {
    run(&state, &user, id, body.command()?).await
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/services", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id", example = 1)), request_body = LinkServiceRequest,
    responses((status = 200, body = Acted), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn link_service(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<LinkServiceRequest>,
) -> ApiResult<Json<Acted>> {
    run(&state, &user, id, body.command()).await
}

#[utoipa::path(delete, path = "/api/v1/incidents/{id}/services/{service_id}", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id", example = 1), ("service_id" = i64, Path, description = "Service id")),
    responses((status = 200, body = Acted), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn unlink_service(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
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
    CurrentUser(user): CurrentUser,
    ApiPath((id, milestone)): ApiPath<(i64, String)>,
    ApiJson(body): ApiJson<TimestampRequest>,
) -> ApiResult<Json<Acted>> {
    run(&state, &user, id, body.command(&milestone)?).await
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/updates", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id", example = 1)), request_body = UpdateRequest,
    responses((status = 200, body = Acted), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn publish_update(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UpdateRequest>,
) -> ApiResult<Json<Acted>> {
    run(&state, &user, id, body.command()?).await
}

#[utoipa::path(put, path = "/api/v1/incidents/{id}/pins/{event_id}", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id", example = 1), ("event_id" = i64, Path, description = "Timeline entry (event) id")),
    responses((status = 200, body = Acted), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn pin(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
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
    CurrentUser(user): CurrentUser,
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
    CurrentUser(user): CurrentUser,
    ApiPath((id, event_id)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<EditNoteRequest>,
) -> ApiResult<Json<Acted>> {
    run(&state, &user, id, body.command(event_id)).await
}

#[utoipa::path(delete, path = "/api/v1/incidents/{id}/notes/{event_id}", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id", example = 1), ("event_id" = i64, Path, description = "The note's event id")),
    responses((status = 200, body = Acted), (status = 403, body = Problem, description = "Not your note"),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn delete_note(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
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
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MergeRequest>,
) -> ApiResult<Json<Acted>> {
    run(&state, &user, id, body.command()).await
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
    let (chunks, content_type) = state.service.export(id, &query.format).await?;
    let disposition = format!(
        "attachment; filename=\"INC-{id}-timeline.{}\"",
        query.format
    );
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        // Streamed: the timeline is read a batch at a time as the body is sent.
        axum::body::Body::from_stream(chunks),
    ))
}
