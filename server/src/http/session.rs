//! Sign-in, sign-out, and the middleware that turns a session cookie into the request's user.

use app::api::backend::Viewer;
use app::api::TokenScope;
use app::domain::{AppError, User};
use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use tower_sessions::Session;

use super::problem::{refuse, ApiError};
use super::sign_in::{ClientAddr, Limited};
use crate::auth::{verify_off_thread, SESSION_TOUCHED, SESSION_USER};
use crate::AppState;

fn session_error(err: impl std::fmt::Display) -> AppError {
    crate::application::internal(format!("session store: {err}"))
}

/// Why a sign-in did not happen.
pub enum Refused {
    /// Wrong email or password (or none).
    Wrong(AppError),
    /// Too many failed attempts (see `sign_in.rs`).
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

/// The id of the token a request came with (`Authorization: Bearer`): its live stream ends when
/// the token is revoked.
#[derive(Clone, Copy, Debug)]
pub struct ViaToken(pub i64);

/// Token management needs a signed-in session: a leaked token must not mint tokens that outlive
/// its revocation.
pub(crate) fn manages_tokens(path: &str) -> bool {
    path == "/api/v1/tokens"
        || path.starts_with("/api/v1/tokens/")
        || matches!(
            path,
            "/fn/tokens" | "/fn/create-token" | "/fn/revoke-token" | "/settings/tokens"
        )
}

/// Records "last used" at most this often per token, not a write per request.
const TOKEN_TOUCH_EVERY_SECS: i64 = 60;

/// The bearer token of `Authorization: Bearer <token>`, if that is the scheme.
fn bearer(request: &Request) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// A request with a bearer token acts as the token's owner, within its scope; no session.
async fn with_token(state: &AppState, token: &str, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let grant = match state
        .service
        .store
        .token_by_hash(&crate::auth::token_hash(token))
        .await
    {
        Ok(Some(grant)) => grant,
        Ok(None) => {
            let mut response = refuse(
                &path,
                AppError::new(
                    app::domain::ErrorKind::Unauthenticated,
                    "This API token is not valid: it was revoked, or it is mistyped.",
                ),
            );
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
            return response;
        }
        Err(err) => return refuse(&path, err.into()),
    };
    let scope = grant.token.scope;
    let reads = matches!(*request.method(), Method::GET | Method::HEAD);
    if scope == TokenScope::Read && !reads {
        return refuse(
            &path,
            AppError::forbidden(
                "This API token may only read (GET); use a write token to change things.",
            ),
        );
    }
    if manages_tokens(&path) {
        return refuse(
            &path,
            AppError::forbidden("Manage API tokens while signed in, not with a token."),
        );
    }
    let token_id = grant.token.id;
    let now = chrono::Utc::now();
    let stale = grant
        .token
        .last_used_at
        .is_none_or(|t| (now - t).num_seconds() >= TOKEN_TOUCH_EVERY_SECS);
    if stale {
        if let Err(err) = state.service.store.touch_token(grant.token.id, now).await {
            tracing::warn!(%err, "could not record a token's use");
        }
    }
    request.extensions_mut().insert(Viewer(Some(grant.owner)));
    request.extensions_mut().insert(ViaToken(token_id));
    next.run(request).await
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
    if let Some(token) = bearer(&request).map(str::to_owned) {
        return with_token(&state, &token, request, next).await;
    }
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
    let signed_in = user.is_some();
    // The one place the user is put: `extract::CurrentUser` and server functions read it.
    request.extensions_mut().insert(Viewer(user));
    if signed_in || is_public(request.method(), &path) {
        return next.run(request).await;
    }
    // Server functions decode errors as `AppError` JSON, the API speaks problems.
    if path.starts_with("/fn/") || path.starts_with("/api/") {
        return refuse(&path, AppError::unauthenticated());
    }
    let target = request
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_owned())
        .unwrap_or_else(|| "/".into());
    let mut response = Redirect::to(&format!("/login?next={}", urlencode(&target))).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
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
