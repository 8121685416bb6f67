//! REST `/api/v1` for SLA clocks: the incident SLA policy, and each incident's clocks as of the
//! server's now (deadlines are absolute instants; the browser counts down to them).

use app::api::SlaPolicySaved;
use app::domain::{clocks, Clock, SlaPolicy};
use axum::extract::State;
use axum::routing::get;
use axum::{Extension, Json, Router};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::problem::{ApiJson, ApiPath, ApiResult, Problem};
use super::room_api::Me;
use super::session::CurrentUser;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sla/policy", get(policy).put(save_policy))
        .route("/incidents/{id}/sla", get(incident_sla))
}

/// An incident's SLA clocks.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentSla {
    pub incident_id: i64,
    /// The server's time the states were computed at (count down from here).
    pub server_time: DateTime<Utc>,
    pub clocks: Vec<Clock>,
}

#[utoipa::path(get, path = "/api/v1/sla/policy", tag = "sla",
    responses((status = 200, body = SlaPolicy, description = "Targets per severity and the business-hours calendar")))]
pub async fn policy(State(state): State<AppState>) -> ApiResult<Json<SlaPolicy>> {
    Ok(Json(state.service.sla_policy().await?))
}

#[utoipa::path(put, path = "/api/v1/sla/policy", tag = "sla", request_body = SlaPolicy,
    responses((status = 200, body = SlaPolicySaved, description = "The policy, and the incidents whose running clocks it moved (each says so on its timeline)"),
        (status = 403, body = Problem, description = "Admins only"),
        (status = 422, body = Problem, description = "Unknown time zone, bad hours, a zero target, a severity twice")))]
pub async fn save_policy(
    State(state): State<AppState>,
    Extension(CurrentUser(user)): Me,
    ApiJson(body): ApiJson<SlaPolicy>,
) -> ApiResult<Json<SlaPolicySaved>> {
    Ok(Json(state.service.save_sla_policy(&user, body).await?))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/sla", tag = "sla",
    params(("id" = i64, Path, description = "Incident id")),
    responses((status = 200, body = IncidentSla), (status = 404, body = Problem)))]
pub async fn incident_sla(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<IncidentSla>> {
    let incident = state.service.incident(id).await?;
    let policy = state.service.sla_policy().await?;
    let now = Utc::now();
    Ok(Json(IncidentSla {
        incident_id: id,
        server_time: now,
        clocks: clocks(&incident, &policy, now),
    }))
}
