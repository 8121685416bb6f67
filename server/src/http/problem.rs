//! Errors as RFC 9457 `application/problem+json`, and JSON/path extractors whose rejections are
//! problems too.

use app::domain::{AppError, ErrorKind};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error response: `{"type","title","status","detail"}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Machine-readable error code, e.g. `conflict`.
    pub code: ErrorKind,
}

pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = Problem {
            kind: "about:blank".into(),
            title: self.0.kind.title().into(),
            status: status.as_u16(),
            detail: self.0.message,
            code: self.0.kind,
        };
        let json = serde_json::to_vec(&body).unwrap_or_default();
        (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            json,
        )
            .into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let (kind, message) = match &rejection {
            JsonRejection::MissingJsonContentType(_) => (
                ErrorKind::UnsupportedMediaType,
                "Send the request body as JSON, with the header Content-Type: application/json."
                    .to_owned(),
            ),
            JsonRejection::JsonSyntaxError(_) => (
                ErrorKind::BadRequest,
                format!(
                    "The request body is not valid JSON: {}.",
                    rejection
                        .body_text()
                        .trim_start_matches("Failed to parse the request body as JSON: ")
                ),
            ),
            JsonRejection::JsonDataError(_) => (
                ErrorKind::Unprocessable,
                app::domain::decode_error_in_words(&rejection.body_text()),
            ),
            _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => (
                ErrorKind::PayloadTooLarge,
                "The request body is too large (the limit is 2 MB).".to_owned(),
            ),
            _ => (ErrorKind::BadRequest, rejection.body_text()),
        };
        ApiError(AppError::new(kind, message))
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        let text = rejection.body_text();
        // "Cannot parse `abc` to a `i64`": say which part, not which Rust type.
        let message = match text
            .split_once("Cannot parse `")
            .and_then(|(_, r)| r.split_once('`'))
        {
            Some((value, _)) => {
                format!("The address has \"{value}\" where a number (an id) belongs.")
            }
            None => format!("Invalid address: {text}"),
        };
        ApiError(AppError::bad_request(message))
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError(AppError::bad_request(format!(
            "Invalid query: {}",
            app::domain::decode_error_in_words(&rejection.body_text())
        )))
    }
}

/// `axum::Json`, but rejections are problems.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// `axum::extract::Path`, but rejections are problems.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// `axum::extract::Query`, but rejections are problems.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

pub type ApiResult<T> = Result<T, ApiError>;
