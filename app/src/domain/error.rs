use serde::{Deserialize, Serialize};

use super::incident::values::Status;

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

/// Refuses with `message` as [`DomainError::Invalid`].
pub(crate) fn invalid<T>(message: impl Into<String>) -> Result<T, DomainError> {
    Err(DomainError::Invalid(message.into()))
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
    /// The browser could not reach the server at all (offline, server down): said by the
    /// browser, never sent by the server.
    Unreachable,
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
            ErrorKind::Unreachable => 503,
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
            ErrorKind::Unreachable => "Can't reach Sitrep",
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
    /// The browser could not reach the server: what was typed is kept and sent again.
    pub fn unreachable() -> Self {
        Self::new(
            ErrorKind::Unreachable,
            "Can't reach Sitrep — your text is kept, we'll retry.",
        )
    }
    pub fn is_unreachable(&self) -> bool {
        self.kind == ErrorKind::Unreachable
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
            // The browser's fetch failed ("TypeError: Failed to fetch"): offline or the server
            // is down. Nobody can act on the browser's words; they can on these.
            E::Request(_) => AppError::unreachable(),
            E::Args(msg) | E::MissingArg(msg) => AppError::bad_request(decode_error_in_words(&msg)),
            // On the server this is a request it could not decode (bad JSON, bad UTF-8): the
            // client's error. In the browser it is a response it could not decode: ours.
            E::Deserialization(msg) if cfg!(feature = "ssr") => {
                AppError::bad_request(decode_error_in_words(&msg))
            }
            other => AppError::internal(other.to_string()),
        }
    }
}

/// What a JSON decoder (serde) said about a request, in words for the person who sent it:
/// which field, what it should be and what it was, without Rust's type names ("expected u8")
/// or parser positions.
pub fn decode_error_in_words(raw: &str) -> String {
    // axum and server functions put their own words before serde's.
    let text = ["target type: ", "as JSON: ", "Deserialization error: "]
        .iter()
        .find_map(|marker| raw.split_once(marker).map(|(_, rest)| rest))
        .unwrap_or(raw)
        .trim();
    let text = match text.rfind(" at line ") {
        Some(at) => &text[..at],
        None => text,
    };
    // serde_path_to_error says where: `policy.severities[0].amount: invalid type ...`.
    let (path, message) = match text.split_once(": ") {
        Some((path, rest)) if !path.is_empty() && !path.contains(' ') => (Some(path), rest),
        _ => (None, text),
    };
    let path = path.filter(|p| *p != ".");
    let field = |name: &str| match path {
        Some(path) if path != name => format!("\"{name}\" (in {path})"),
        _ => format!("\"{name}\""),
    };
    let at = path.map(|p| format!("\"{p}\""));
    if let Some(name) = between(message, "missing field `", "`") {
        format!("The field {} is missing.", field(name))
    } else if let Some(name) = between(message, "unknown field `", "`") {
        format!("There is no field {} here.", field(name))
    } else if let Some(value) = between(message, "unknown variant `", "`") {
        let allowed: Vec<&str> = message
            .split_once("expected ")
            .map(|(_, list)| list.split('`').skip(1).step_by(2).collect())
            .unwrap_or_default();
        let whose = at.map(|p| format!(" for {p}")).unwrap_or_default();
        if allowed.is_empty() {
            format!("\"{value}\" is not a value that can be used{whose}.")
        } else {
            format!(
                "\"{value}\" is not allowed{whose}: use one of {}.",
                allowed.join(", ")
            )
        }
    } else if let Some((was, wanted)) = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
        .and_then(|rest| rest.split_once(", expected "))
    {
        let what = at.unwrap_or_else(|| "A value".to_owned());
        if was.starts_with("integer ") && is_integer_type(wanted) {
            // A number, but too big or below zero for what it counts: the domain's own
            // limits are checked later, in words of their own.
            return format!("{what} is out of range (it was {}).", was_in_words(was));
        }
        format!(
            "{what} should be {} (it was {}).",
            wanted_in_words(wanted),
            was_in_words(was)
        )
    } else if [
        "premature end of input",
        "input contains invalid characters",
        "input is out of range",
        "trailing input",
        "no possible date and time matching input",
        "input is not enough for unique date and time",
        "bad or unsupported format string",
    ]
    .iter()
    .any(|chrono| message.contains(chrono))
    {
        let what = at.unwrap_or_else(|| "A time".to_owned());
        format!("{what} should be a date and time like 2026-12-01T09:30:00Z.")
    } else if message.starts_with("EOF while parsing") {
        "The request body ends too soon: it is not complete JSON.".to_owned()
    } else if message.contains("recursion limit exceeded") {
        "The request body is nested too deeply.".to_owned()
    } else {
        let what = at.map(|p| format!(" ({p})")).unwrap_or_default();
        format!("The request could not be read{what}: {message}.")
    }
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = text.split_once(start)?.1;
    Some(rest.split_once(end).map_or(rest, |(inside, _)| inside))
}

fn is_integer_type(name: &str) -> bool {
    matches!(
        name.trim(),
        "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" | "isize"
    )
}

fn wanted_in_words(wanted: &str) -> String {
    let wanted = wanted.trim();
    match wanted {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number, 0 or more".into(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".into(),
        "f32" | "f64" => "a number".into(),
        "a string" | "a borrowed string" | "a character" => "text (in quotes)".into(),
        "a boolean" => "true or false".into(),
        "a sequence" => "a list".into(),
        "a map" | "an object" => "an object".into(),
        other if other.starts_with("struct ") || other.starts_with("internally tagged") => {
            "an object".into()
        }
        other if other.starts_with("a tuple") => "a list".into(),
        other => other
            .trim_start_matches("a ")
            .trim_start_matches("an ")
            .to_owned(),
    }
}

fn was_in_words(was: &str) -> String {
    let was = was.trim();
    if let Some(text) = was.strip_prefix("string ") {
        return text.to_owned();
    }
    for prefix in ["integer ", "floating point ", "boolean "] {
        if let Some(value) = was.strip_prefix(prefix) {
            return value.trim_matches('`').to_owned();
        }
    }
    match was {
        "null" | "unit value" => "null".into(),
        "sequence" => "a list".into(),
        "map" => "an object".into(),
        other => other.replace('`', ""),
    }
}

#[cfg(test)]
mod tests {
    use super::decode_error_in_words as words;

    #[test]
    fn decoding_errors_are_said_in_words() {
        assert_eq!(
            words(
                "Failed to deserialize the JSON body into the target type: tier: invalid type: \
                 string \"x\", expected u8 at line 1 column 10"
            ),
            "\"tier\" should be a whole number, 0 or more (it was \"x\")."
        );
        assert_eq!(
            words("tier: invalid value: integer `300`, expected u8"),
            "\"tier\" is out of range (it was 300)."
        );
        assert_eq!(
            words("Deserialization error: invalid type: string \"x\", expected i64"),
            "A value should be a whole number (it was \"x\")."
        );
        assert_eq!(
            words("at: no possible date and time matching input"),
            "\"at\" should be a date and time like 2026-12-01T09:30:00Z."
        );
        assert_eq!(
            words(
                "Failed to deserialize the JSON body into the target type: missing field \
                 `title` at line 1 column 2"
            ),
            "The field \"title\" is missing."
        );
        assert_eq!(
            words(
                "Failed to deserialize the JSON body into the target type: affected: unknown \
                 variant `lots`, expected one of `unknown`, `few`, `some`, `all` at line 1 \
                 column 20"
            ),
            "\"lots\" is not allowed for \"affected\": use one of unknown, few, some, all."
        );
        assert_eq!(
            words("expected_version: invalid type: floating point `1.5`, expected i64"),
            "\"expected_version\" should be a whole number (it was 1.5)."
        );
        assert_eq!(
            words("at: input contains invalid characters"),
            "\"at\" should be a date and time like 2026-12-01T09:30:00Z."
        );
        for raw in [
            "tier: invalid type: string \"x\", expected u8",
            "amount: invalid value: integer `-1`, expected u32",
        ] {
            let said = words(raw);
            assert!(!said.contains("u8") && !said.contains("u32"), "{said}");
        }
    }
}
