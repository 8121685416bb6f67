//! Request bodies and server-function errors: a body larger than [`MAX_BODY`] is refused (413),
//! one that does not arrive whole in time is cut (408, and the connection closes), and a server
//! function's error answers with its own status (400, 403, 413, ...) rather than Leptos' 500.

use std::time::Duration;

use app::domain::{AppError, ErrorKind};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};

use super::problem::refuse;
use crate::AppState;

/// The largest request body accepted (as axum's own default for JSON).
pub const MAX_BODY: usize = 2 * 1024 * 1024;
/// How long a client may take to send a request's body, by default (as for its head).
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// A server function's error body is a small `AppError`; read no more of it than this.
const MAX_ERROR_BODY: usize = 64 * 1024;

fn too_large() -> AppError {
    AppError::new(
        ErrorKind::PayloadTooLarge,
        "The request body is too large (the limit is 2 MB).",
    )
}

/// Reads the whole body (within the size and time limits) before the handler runs, so that no
/// extractor, REST or server function, ever sees a body that is too large or half-sent.
pub async fn whole_bodies(State(state): State<AppState>, request: Request, next: Next) -> Response {
    use axum::body::HttpBody as _;
    if request.body().size_hint().exact() == Some(0) {
        return next.run(request).await;
    }
    let path = request.uri().path().to_owned();
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_BODY as u64) {
        return refuse(&path, too_large());
    }
    let (parts, body) = request.into_parts();
    let read = tokio::time::timeout(state.body_timeout, Limited::new(body, MAX_BODY).collect());
    match read.await {
        Ok(Ok(collected)) => {
            let request = Request::from_parts(parts, Body::from(collected.to_bytes()));
            next.run(request).await
        }
        Ok(Err(err)) if err.downcast_ref::<LengthLimitError>().is_some() => {
            refuse(&path, too_large())
        }
        Ok(Err(err)) => {
            tracing::debug!(%err, "request body broke off");
            refuse(
                &path,
                AppError::bad_request("The request body could not be read."),
            )
        }
        Err(_) => {
            let secs = state.body_timeout.as_secs_f32();
            let mut response = refuse(
                &path,
                AppError::bad_request(format!(
                    "The request body did not arrive within {secs} seconds."
                )),
            );
            *response.status_mut() = StatusCode::REQUEST_TIMEOUT;
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            response
        }
    }
}

/// Leptos answers every server-function error with 500, whatever it was; a request it could not
/// decode (bad JSON, bad UTF-8) is the client's error. Answer with the `AppError`'s own status.
pub async fn server_fn_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response
            .headers()
            .contains_key(leptos::server_fn::error::SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_ERROR_BODY).await {
        Ok(bytes) => bytes,
        Err(err) => {
            tracing::warn!(%err, "unreadable server function error");
            return (parts.status, "").into_response();
        }
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        if let Ok(status) = StatusCode::from_u16(error.kind.status()) {
            parts.status = status;
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
