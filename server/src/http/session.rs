//! Sign-in, sign-out, and the middleware that turns a session cookie into the request's user.

use app::backend::Viewer;
use app::domain::{AppError, User};
use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use tower_sessions::Session;

use super::problem::ApiError;
use crate::auth::{verify_off_thread, SESSION_TOUCHED, SESSION_USER};
use crate::AppState;

/// The signed-in user, for handlers behind `require_session`.
#[derive(Clone, Debug)]
pub struct CurrentUser(pub User);

fn session_error(err: impl std::fmt::Display) -> AppError {
    crate::service::internal(format!("session store: {err}"))
}

pub async fn sign_in(
    state: &AppState,
    session: &Session,
    email: &str,
    password: &str,
) -> Result<User, AppError> {
    let wrong = || {
        AppError::new(
            app::domain::ErrorKind::Unauthenticated,
            "Wrong email or password.",
        )
    };
    if email.trim().is_empty() || password.is_empty() {
        return Err(wrong());
    }
    let creds = state.service.store.credentials(email).await?;
    let hash = creds.as_ref().map(|c| c.password_hash.clone());
    let ok = verify_off_thread(password, hash).await;
    let Some(creds) = creds.filter(|_| ok) else {
        return Err(wrong());
    };
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

pub async fn sign_out(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(session_error)
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
    session: Session,
    Form(form): Form<LoginForm>,
) -> Response {
    if form.email.trim().is_empty() || form.password.is_empty() {
        return Redirect::to("/login?error=missing").into_response();
    }
    match sign_in(&state, &session, &form.email, &form.password).await {
        Ok(_) => Redirect::to(safe_next(&form.next)).into_response(),
        Err(e) if e.kind == app::domain::ErrorKind::Unauthenticated => {
            let next = urlencode(safe_next(&form.next));
            Redirect::to(&format!("/login?error=invalid&next={next}")).into_response()
        }
        Err(e) => ApiError(e).into_response(),
    }
}

/// `POST /auth/logout` from the header's sign-out button.
pub async fn logout_form(session: Session) -> Response {
    match sign_out(&session).await {
        Ok(()) => Redirect::to("/login").into_response(),
        Err(e) => ApiError(e).into_response(),
    }
}

fn urlencode(s: &str) -> String {
    urlencoding::encode(s).into_owned()
}

/// Sessions expire after a period without use. tower-sessions only writes (and so extends) a
/// session when it changes: mark it changed about once a day while it is in use, so people on
/// call are not signed out in the middle of an incident, without a database write per request.
async fn keep_alive(session: &Session) {
    const EVERY_SECS: i64 = 24 * 3600;
    let now = chrono::Utc::now().timestamp();
    let touched = session.get::<i64>(SESSION_TOUCHED).await.ok().flatten();
    if touched.is_none_or(|t| now - t >= EVERY_SECS) {
        if let Err(err) = session.insert(SESSION_TOUCHED, now).await {
            tracing::warn!(%err, "could not extend a session");
        }
    }
}

/// What answers without sign-in (the OpenAPI document's security follows this too).
pub(crate) fn is_public(method: &Method, path: &str) -> bool {
    matches!(
        path,
        "/login" | "/healthz" | "/metrics" | "/favicon.svg" | "/auth/login"
    ) || path.starts_with("/pkg/")
        || (path == "/api/v1/session" && method == Method::POST)
        || (path == "/api/v1/openapi.json" && method == Method::GET)
}

/// Resolves the session's user into the request (for pages, server functions and the API) and
/// turns everyone else away: 401 problem for the API and server functions, a redirect to the
/// sign-in page for pages.
pub async fn require_session(
    State(state): State<AppState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    let user = match session.get::<i64>(SESSION_USER).await {
        Ok(Some(id)) => match state.service.store.user(id).await {
            Ok(user) => {
                keep_alive(&session).await;
                user
            }
            Err(err) => return ApiError(err.into()).into_response(),
        },
        Ok(None) => None,
        Err(err) => {
            tracing::warn!(%err, "unreadable session; treating as signed out");
            None
        }
    };
    let path = request.uri().path().to_owned();
    request.extensions_mut().insert(Viewer(user.clone()));
    match user {
        Some(user) => {
            request.extensions_mut().insert(CurrentUser(user));
            next.run(request).await
        }
        None if is_public(request.method(), &path) => next.run(request).await,
        // Server functions decode errors as `AppError` JSON: give them one they can show.
        None if path.starts_with("/fn/") => (
            axum::http::StatusCode::UNAUTHORIZED,
            axum::Json(AppError::unauthenticated()),
        )
            .into_response(),
        None if path.starts_with("/api/") => ApiError(AppError::unauthenticated()).into_response(),
        None => {
            let target = request
                .uri()
                .path_and_query()
                .map(|pq| pq.as_str().to_owned())
                .unwrap_or_else(|| "/".into());
            let mut response =
                Redirect::to(&format!("/login?next={}", urlencode(&target))).into_response();
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            );
            response
        }
    }
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
