//! Who is asking: the middleware that turns a session cookie or an API token into the
//! request's user (`Viewer`), and turns everyone else away from all but the public routes.

use app::api::backend::Viewer;
use app::api::TokenScope;
use app::domain::AppError;
use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::problem::{refuse, ApiError};
use crate::auth::{SESSION_TOUCHED, SESSION_USER};
use crate::AppState;

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
        Ok(Some(id)) => match state.service.viewer(id).await {
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
    let mut response =
        Redirect::to(&format!("/login?next={}", urlencoding::encode(&target))).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}
