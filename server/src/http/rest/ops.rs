//! Operations: the health check and metrics (outside `/api/v1`, for probes and scrapers), and
//! the vocabulary the API speaks.

use app::domain::Vocabulary;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::problem::ApiResult;
use crate::AppState;

/// Under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/vocabulary", get(vocabulary))
}

/// At the site's root.
pub fn root_routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
}

#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, content_type = "application/openmetrics-text",
        description = "Prometheus metrics of this instance (SLA breaches recorded, events appended)")))]
pub async fn metrics(State(state): State<AppState>) -> ApiResult<impl IntoResponse> {
    let text = state
        .service
        .metrics
        .render()
        .map_err(crate::application::internal)?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    ))
}

#[utoipa::path(get, path = "/api/v1/vocabulary", tag = "operations",
    responses((status = 200, body = Vocabulary, description = "Severity and status labels, update templates and roles")))]
pub async fn vocabulary(State(state): State<AppState>) -> ApiResult<Json<Vocabulary>> {
    Ok(Json(state.service.vocabulary_now().await?))
}
