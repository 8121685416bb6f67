//! REST `/api/v1/tokens`: API tokens for integrations, which cannot hold a session cookie.
//! Managed while signed in (a token cannot manage tokens, see `http/session.rs`).

use app::api::{ApiToken, CreatedToken, TokenScope};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::http::extract::{ApiJson, ApiPath, CurrentUser};
use crate::http::problem::{ApiResult, Problem};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tokens", get(list_tokens).post(create_token))
        .route("/tokens/{id}", delete(revoke_token))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTokenRequest {
    /// What it is for, 1–100 characters (e.g. "status page sync").
    pub name: String,
    /// `read` (GET and HEAD only) or `write`. Stakeholders get read tokens only.
    pub scope: TokenScope,
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens",
    responses((status = 200, body = Vec<ApiToken>, description = "Your tokens (everyone's for admins), newest first, without their secrets"),
        (status = 401, body = Problem)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Vec<ApiToken>>> {
    Ok(Json(state.service.list_tokens(&user).await?))
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = NewTokenRequest,
    responses((status = 201, body = CreatedToken, description = "The token, shown this once: only its hash is kept"),
        (status = 403, body = Problem, description = "A write token for a stakeholder, or a request made with a token"),
        (status = 422, body = Problem)))]
pub async fn create_token(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<NewTokenRequest>,
) -> ApiResult<impl IntoResponse> {
    let created = state
        .service
        .new_token(&user, &body.name, body.scope)
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens",
    params(("id" = i64, Path, description = "Token id")),
    responses((status = 204, description = "Revoked: requests with it now get 401"),
        (status = 404, body = Problem, description = "No such token of yours (admins may revoke any)")))]
pub async fn revoke_token(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    state.service.delete_token(&user, id).await?;
    // Its open streams end now on this instance, and within a round on the others.
    state.sessions.check_soon();
    Ok(StatusCode::NO_CONTENT)
}
