//! Errors as RFC 9457 `application/problem+json`.

use app::domain::{AppError, ErrorKind};
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

/// An error in the form the caller reads: server functions decode `AppError` JSON, everything
/// else (the API, pages' middleware) speaks problem+json.
pub fn refuse(path: &str, error: AppError) -> Response {
    if path.starts_with("/fn/") {
        let status =
            StatusCode::from_u16(error.kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(error)).into_response()
    } else {
        ApiError(error).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
