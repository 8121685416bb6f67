//! What handlers take from a request: the signed-in user, and JSON bodies, paths and queries
//! whose rejections are problems (`problem.rs`) rather than axum's plain text.

use std::convert::Infallible;

use app::api::backend::Viewer;
use app::domain::{AppError, ErrorKind, User};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::StatusCode;

use super::problem::ApiError;

/// The signed-in user (by session or token): the `Viewer` that `session::require_session` puts
/// into every request, which server functions read too. A handler taking it answers 401 to
/// nobody (the middleware has already turned them away from all but the public routes).
#[derive(Clone, Debug)]
pub struct CurrentUser(pub User);

fn signed_in(parts: &Parts) -> Option<CurrentUser> {
    let Viewer(user) = parts.extensions.get::<Viewer>()?;
    user.clone().map(CurrentUser)
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        signed_in(parts).ok_or_else(|| ApiError(AppError::unauthenticated()))
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for CurrentUser {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(signed_in(parts))
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

#[cfg(test)]
mod tests {
    use app::domain::UserRole;
    use axum::response::IntoResponse;

    use super::*;

    fn parts(viewer: Option<Viewer>) -> Parts {
        let mut request = axum::http::Request::new(());
        if let Some(viewer) = viewer {
            request.extensions_mut().insert(viewer);
        }
        request.into_parts().0
    }

    #[tokio::test]
    async fn the_user_is_the_viewer_or_401() {
        let iris = User {
            id: 7,
            name: "Iris Chen".into(),
            email: "iris@example.com".into(),
            role: UserRole::Responder,
            team: String::new(),
            on_call: false,
        };
        let mut signed_in = parts(Some(Viewer(Some(iris.clone()))));
        let CurrentUser(user) =
            <CurrentUser as FromRequestParts<()>>::from_request_parts(&mut signed_in, &())
                .await
                .map_err(|_| "refused")
                .expect("a signed-in viewer is the current user");
        assert_eq!(user, iris);

        for mut nobody in [parts(Some(Viewer(None))), parts(None)] {
            let refused =
                <CurrentUser as FromRequestParts<()>>::from_request_parts(&mut nobody, &()).await;
            let status = refused.err().map(|e| e.into_response().status());
            assert_eq!(status, Some(StatusCode::UNAUTHORIZED));
            let optional =
                <CurrentUser as OptionalFromRequestParts<()>>::from_request_parts(&mut nobody, &())
                    .await;
            assert!(matches!(optional, Ok(None)));
        }
    }
}
