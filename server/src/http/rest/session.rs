//! REST `/api/v1/session` and `/api/v1/me`: signing in and out with the session cookie.

use app::domain::User;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tower_sessions::Session;
use utoipa::ToSchema;

use crate::http::extract::{ApiJson, CurrentUser};
use crate::http::problem::{ApiResult, Problem};
use crate::http::sign_in::limits::ClientAddr;
use crate::http::sign_in::{sign_in, sign_out, Refused};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/session", post(create_session).delete(delete_session))
        .route("/me", get(me))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SignIn {
    pub email: String,
    pub password: String,
}

/// Signs in (sets the session cookie). After 10 failed attempts for one account from one
/// address, or 50 from one address, within 15 minutes (configurable), answers 429 with
/// `Retry-After` (seconds) instead, even for the right password.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = SignIn,
    responses((status = 200, body = User),
        (status = 401, body = Problem, description = "Wrong email or password"),
        (status = 429, body = Problem, description = "Too many failed sign-ins: wait and try again",
            headers(("Retry-After" = u64, description = "Seconds until sign-in is allowed again")))))]
pub async fn create_session(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    session: Session,
    ApiJson(body): ApiJson<SignIn>,
) -> Result<Json<User>, Refused> {
    let user = sign_in(&state, &session, &client, &body.email, &body.password).await?;
    Ok(Json(user))
}

#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses((status = 204, description = "Signed out")))]
pub async fn delete_session(
    State(state): State<AppState>,
    session: Session,
) -> ApiResult<StatusCode> {
    sign_out(&state, &session).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    responses((status = 200, body = User), (status = 401, body = Problem)))]
pub async fn me(CurrentUser(user): CurrentUser) -> Json<User> {
    Json(user)
}
