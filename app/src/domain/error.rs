use serde::{Deserialize, Serialize};

use super::Status;

/// Why the domain refused a command. Every variant carries enough to tell a person what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("{0}")]
    Invalid(String),
    #[error("{}", illegal_transition_message(*.from, *.to))]
    IllegalTransition { from: Status, to: Status },
    #[error(
        "Someone else changed this incident (you had version {expected}, it is now at version {actual}). Here is the latest; please try again."
    )]
    Conflict { expected: i64, actual: i64 },
    /// Acting on a stale view of part of the incident (the role board): says what is there now.
    #[error("{0}")]
    Outdated(String),
    /// The incident cannot take this change any more (merged, closed).
    #[error("{0}")]
    ReadOnly(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
}

fn illegal_transition_message(from: Status, to: Status) -> String {
    let allowed = from.allowed_next();
    if allowed.is_empty() {
        format!(
            "An incident cannot move from {} to {}: {} is final.",
            from.label(),
            to.label(),
            from.label()
        )
    } else {
        let names: Vec<&str> = allowed.iter().map(|s| s.label()).collect();
        format!(
            "An incident cannot move from {} to {}. From {} it can move to: {}.",
            from.label(),
            to.label(),
            from.label(),
            names.join(", ")
        )
    }
}

/// The kinds of failure the application reports, each with its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    BadRequest,
    Unauthenticated,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    /// The `If-Match` revision (or the one an editor loaded) is no longer the current one.
    PreconditionFailed,
    PayloadTooLarge,
    Unprocessable,
    UnsupportedMediaType,
    Internal,
    /// Too busy to do it now; retrying later will work.
    Unavailable,
    /// Too many attempts (failed sign-ins): wait, then retry.
    TooManyRequests,
}

impl ErrorKind {
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::BadRequest => 400,
            ErrorKind::Unauthenticated => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::MethodNotAllowed => 405,
            ErrorKind::Conflict => 409,
            ErrorKind::PreconditionFailed => 412,
            ErrorKind::PayloadTooLarge => 413,
            ErrorKind::UnsupportedMediaType => 415,
            ErrorKind::Unprocessable => 422,
            ErrorKind::Internal => 500,
            ErrorKind::Unavailable => 503,
            ErrorKind::TooManyRequests => 429,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            ErrorKind::BadRequest => "Bad request",
            ErrorKind::Unauthenticated => "Sign-in required",
            ErrorKind::Forbidden => "Not allowed",
            ErrorKind::NotFound => "Not found",
            ErrorKind::MethodNotAllowed => "Method not allowed",
            ErrorKind::Conflict => "Conflict",
            ErrorKind::PreconditionFailed => "Changed meanwhile",
            ErrorKind::PayloadTooLarge => "Request too large",
            ErrorKind::Unprocessable => "Invalid input",
            ErrorKind::UnsupportedMediaType => "Unsupported media type",
            ErrorKind::Internal => "Internal error",
            ErrorKind::Unavailable => "Busy",
            ErrorKind::TooManyRequests => "Too many attempts",
        }
    }
}

/// The one error type that crosses the wire: returned by server functions to the browser and
/// turned into `application/problem+json` by the REST API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub kind: ErrorKind,
    pub message: String,
}

impl AppError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, message)
    }
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unprocessable, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }
    pub fn unauthenticated() -> Self {
        Self::new(ErrorKind::Unauthenticated, "Please sign in to continue.")
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }
    pub fn is_conflict(&self) -> bool {
        self.kind == ErrorKind::Conflict
    }
}

impl From<DomainError> for AppError {
    fn from(err: DomainError) -> Self {
        let kind = match err {
            DomainError::Invalid(_) | DomainError::IllegalTransition { .. } => {
                ErrorKind::Unprocessable
            }
            DomainError::Conflict { .. } | DomainError::Outdated(_) | DomainError::ReadOnly(_) => {
                ErrorKind::Conflict
            }
            DomainError::Forbidden(_) => ErrorKind::Forbidden,
            DomainError::NotFound(_) => ErrorKind::NotFound,
        };
        AppError::new(kind, err.to_string())
    }
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Request(msg) => AppError::new(
                ErrorKind::Internal,
                format!("Could not reach the server ({msg}). Check your connection and retry."),
            ),
            E::Args(msg) | E::MissingArg(msg) => AppError::bad_request(msg),
            other => AppError::internal(other.to_string()),
        }
    }
}
