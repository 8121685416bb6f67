//! Signing in and out: the password check within the sign-in limits, the session cookie, and
//! the sign-in page's plain form routes (`/auth/login`, `/auth/logout`). The REST API's
//! `/api/v1/session` uses the same `sign_in` and `sign_out`; `limits.rs` counts the failures.

pub mod limits;

use app::domain::{AppError, User};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Router};
use serde::Deserialize;
use tower_sessions::Session;

use self::limits::{ClientAddr, Limited};
use super::problem::ApiError;
use crate::auth::{verify_off_thread, SESSION_TOUCHED, SESSION_USER};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(login_form))
        .route("/auth/logout", post(logout_form))
}

fn session_error(err: impl std::fmt::Display) -> AppError {
    crate::application::internal(format!("session store: {err}"))
}

/// Why a sign-in did not happen.
pub enum Refused {
    /// Wrong email or password (or none).
    Wrong(AppError),
    /// Too many failed attempts (see `limits.rs`).
    Limited(Limited),
    Failed(AppError),
}

impl From<AppError> for Refused {
    fn from(e: AppError) -> Self {
        Refused::Failed(e)
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::Wrong(e) | Refused::Failed(e) => ApiError(e).into_response(),
            Refused::Limited(limited) => limited.into_response(),
        }
    }
}

/// Signs `email` in from `client` (the address, see `ClientAddr`) within the sign-in limits.
pub async fn sign_in(
    state: &AppState,
    session: &Session,
    client: &str,
    email: &str,
    password: &str,
) -> Result<User, Refused> {
    let wrong = || {
        Refused::Wrong(AppError::new(
            app::domain::ErrorKind::Unauthenticated,
            "Wrong email or password.",
        ))
    };
    // No account has an address this long (or empty): refused before anything is counted or
    // stored, so nobody can fill the failures table (or PostgreSQL's index) with huge keys.
    if app::domain::check_len("Email", email.trim(), 1, 254).is_err() || password.is_empty() {
        return Err(wrong());
    }
    let store = state.service.store.as_ref();
    // Counted by the address as typed (no control characters: refused above).
    let account = app::domain::normalize_email(email);
    if let Err(limited) = state.sign_in.begin(store, &account, client).await? {
        return Err(Refused::Limited(limited));
    }
    let creds = state
        .service
        .store
        .credentials(email)
        .await
        .map_err(AppError::from)?;
    let hash = creds.as_ref().map(|c| c.password_hash.clone());
    let ok = verify_off_thread(password, hash).await;
    let Some(creds) = creds.filter(|_| ok) else {
        // The attempt stays counted as a failure (see `begin`).
        return Err(wrong());
    };
    state.sign_in.succeeded(store, &account, client).await?;
    // A new session id on sign-in: no session fixation.
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(SESSION_USER, creds.user.id)
        .await
        .map_err(session_error)?;
    session
        .insert(SESSION_TOUCHED, chrono::Utc::now().timestamp())
        .await
        .map_err(session_error)?;
    Ok(creds.user)
}

/// Ends the session; its open streams end too (on every instance: see `session_watch.rs`).
pub async fn sign_out(state: &AppState, session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(session_error)?;
    state.sessions.check_soon();
    Ok(())
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Only this site's own pages: never redirect to another site after sign-in. Browsers drop
/// tabs and newlines from URLs and read `\` as `/`, so any of those (or other whitespace and
/// control characters) disqualifies a target, and it must be a path (`/` then not `/`).
fn safe_next(next: &str) -> &str {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control());
    let page = next.starts_with("/incidents") || next == "/";
    if local && page {
        next
    } else {
        "/incidents"
    }
}

/// `POST /auth/login` from the sign-in page's plain form.
pub async fn login_form(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    session: Session,
    Form(form): Form<LoginForm>,
) -> Response {
    if form.email.trim().is_empty() || form.password.is_empty() {
        return Redirect::to("/login?error=missing").into_response();
    }
    let next = urlencode(safe_next(&form.next));
    match sign_in(&state, &session, &client, &form.email, &form.password).await {
        Ok(_) => Redirect::to(safe_next(&form.next)).into_response(),
        Err(Refused::Wrong(_)) => {
            Redirect::to(&format!("/login?error=invalid&next={next}")).into_response()
        }
        Err(Refused::Limited(limited)) => {
            // 429 like the API, with a page that goes straight back to the sign-in page, which
            // says in words how long to wait.
            let target = format!(
                "/login?error=throttled&amp;retry={}&amp;next={next}",
                limited.retry_after
            );
            let page = format!(
                "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
                 <meta http-equiv=\"refresh\" content=\"0; url={target}\">\
                 <title>Too many attempts · Sitrep</title></head><body><p>{}</p>\
                 <p><a href=\"{target}\">Back to sign-in</a></p></body></html>",
                limited.message()
            );
            (
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                [
                    (header::RETRY_AFTER, limited.retry_after.to_string()),
                    (header::CACHE_CONTROL, "no-store".to_owned()),
                ],
                axum::response::Html(page),
            )
                .into_response()
        }
        Err(Refused::Failed(e)) => ApiError(e).into_response(),
    }
}

/// `POST /auth/logout` from the header's sign-out button.
pub async fn logout_form(State(state): State<AppState>, session: Session) -> Response {
    match sign_out(&state, &session).await {
        Ok(()) => Redirect::to("/login").into_response(),
        Err(e) => ApiError(e).into_response(),
    }
}

fn urlencode(s: &str) -> String {
    urlencoding::encode(s).into_owned()
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/incidents/4"), "/incidents/4");
        assert_eq!(
            safe_next("/incidents?status=open"),
            "/incidents?status=open"
        );
        assert_eq!(safe_next("//evil.example"), "/incidents");
        assert_eq!(safe_next("/\t/evil.example"), "/incidents");
        assert_eq!(safe_next("/\n/evil.example"), "/incidents");
        assert_eq!(safe_next("/\\evil.example"), "/incidents");
        assert_eq!(safe_next("/incidents\\..\\evil"), "/incidents");
        assert_eq!(safe_next("/auth/logout"), "/incidents");
        assert_eq!(safe_next("https://evil.example"), "/incidents");
        assert_eq!(safe_next(""), "/incidents");
    }
}
