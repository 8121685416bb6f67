//! REST `/api/v1` for SLA clocks: the incident SLA policy, and each incident's clocks as of the
//! server's now (deadlines are absolute instants; the browser counts down to them).

use app::api::SlaPolicySaved;
use app::domain::{clocks, AppError, Clock, SlaPolicy};
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::extract::{ApiJson, ApiPath, CurrentUser};
use crate::http::problem::{ApiResult, Problem};
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

/// `"3"`: revision 3 of a setting (the SLA policy, the role catalog), as an entity tag.
pub(super) fn etag(revision: u64) -> [(header::HeaderName, String); 1] {
    [(header::ETAG, format!("\"{revision}\""))]
}

/// The revisions of `what` (read at `get`) an `If-Match` header accepts (`None`: absent, or
/// `*`). Weak tags (`W/"3"`) never match: `If-Match` compares strongly (RFC 9110).
pub(super) fn if_match(
    headers: &HeaderMap,
    what: &str,
    get: &str,
) -> Result<Option<Vec<u64>>, AppError> {
    let Some(raw) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = raw.to_str().unwrap_or_default().trim();
    if text == "*" {
        return Ok(None);
    }
    let mut revisions = Vec::new();
    for tag in text.split(',').map(str::trim) {
        if tag.starts_with("W/") {
            continue;
        }
        let revision = tag
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .and_then(|t| t.parse::<u64>().ok())
            .ok_or_else(|| {
                AppError::bad_request(format!(
                    "If-Match {text} is not a revision of {what}: send the ETag of GET {get}, \
                     such as \"3\"."
                ))
            })?;
        revisions.push(revision);
    }
    Ok(Some(revisions))
}

#[utoipa::path(get, path = "/api/v1/sla/policy", tag = "sla",
    responses((status = 200, body = SlaPolicy, description = "Targets per severity and the business-hours calendar; the ETag header is the policy's revision",
        headers(("ETag" = String, description = "The revision, for If-Match on PUT")))))]
pub async fn policy(State(state): State<AppState>) -> ApiResult<impl IntoResponse> {
    let current = state.service.revised_sla_policy().await?;
    Ok((etag(current.revision), Json(current.policy)))
}

#[utoipa::path(put, path = "/api/v1/sla/policy", tag = "sla", request_body = SlaPolicy,
    params(("If-Match" = Option<String>, Header, description = "The ETag you read: refused with 412 if someone saved since")),
    responses((status = 200, body = SlaPolicySaved, description = "The policy, its revision, and the incidents whose running clocks it moved (each says so on its timeline)"),
        (status = 400, body = Problem, description = "An If-Match that is not a revision"),
        (status = 403, body = Problem, description = "Admins only"),
        (status = 412, body = Problem, description = "Someone saved the policy since the If-Match revision"),
        (status = 503, body = Problem, description = "Incidents changed too fast to recount them; nothing was saved, save again"),
        (status = 422, body = Problem, description = "Unknown time zone, bad hours, a zero target, a severity twice")))]
pub async fn save_policy(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SlaPolicy>,
) -> ApiResult<impl IntoResponse> {
    let expected = if_match(&headers, "the SLA policy", "/api/v1/sla/policy")?;
    let saved = state
        .service
        .save_sla_policy(&user, body, expected.as_deref())
        .await?;
    Ok((etag(saved.revision), Json(saved)))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/sla", tag = "sla",
    params(("id" = i64, Path, description = "Incident id", example = 1)),
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
