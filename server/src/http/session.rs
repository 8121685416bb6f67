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
use crate::auth::{verify_password, waste_a_verification, SESSION_USER};
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
    let Some(creds) = creds else {
        waste_a_verification(password);
        return Err(wrong());
    };
    let hash = creds.password_hash.clone();
    let candidate = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || verify_password(&candidate, &hash))
        .await
        .unwrap_or(false);
    if !ok {
        return Err(wrong());
    }
    // A new session id on sign-in: no session fixation.
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(SESSION_USER, creds.user.id)
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

/// Only local paths: never redirect to another site after sign-in.
fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") {
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

fn is_public(method: &Method, path: &str) -> bool {
    matches!(path, "/login" | "/healthz" | "/favicon.svg" | "/auth/login")
        || path.starts_with("/pkg/")
        || (path == "/api/v1/session" && method == Method::POST)
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
            Ok(user) => user,
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
        None if path.starts_with("/api/") || path.starts_with("/fn/") => {
            ApiError(AppError::unauthenticated()).into_response()
        }
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
        assert_eq!(safe_next("//evil.example"), "/incidents");
        assert_eq!(safe_next("https://evil.example"), "/incidents");
        assert_eq!(safe_next(""), "/incidents");
    }
}
