//! The HTTP surface: pages (Leptos SSR), server functions, REST, SSE, sign-in, operations.

pub mod assets;
pub mod extract;
pub mod limits;
pub mod openapi;
pub mod problem;
pub mod rest;
pub mod security;
pub mod session;
pub mod sign_in;
pub mod stream;

use std::sync::Arc;

use app::api::backend::SharedBackend;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::store::sessions::RecentSessions;
use crate::AppState;

/// How long a session lives without use.
const SESSION_IDLE_DAYS: i64 = 14;

pub fn router(state: AppState) -> Router {
    let backend: SharedBackend = Arc::new(state.service.clone());
    let options = state.leptos.clone();
    let context = move || {
        provide_context(backend.clone());
        security::provide_nonce();
    };
    let routes = generate_route_list(app::App);

    let sessions = SessionManagerLayer::new(RecentSessions::new(state.service.store.sessions()))
        .with_name("sitrep_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::days(
            SESSION_IDLE_DAYS,
        )));

    let api = rest::routes()
        .route("/stream", get(stream::stream))
        .route("/openapi.json", get(openapi::openapi))
        .fallback(|| async {
            // The request's body is never read here: close the connection rather than leave
            // it unread for the next request on a kept-alive connection to trip over.
            let mut response =
                problem::ApiError(app::domain::AppError::not_found("No such API route."))
                    .into_response();
            response.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
            response
        });

    Router::new()
        .nest("/api/v1", api)
        .merge(rest::ops::root_routes())
        .merge(sign_in::routes())
        .leptos_routes_with_context(&state, routes, context.clone(), move || {
            app::shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, app::shell))
        .layer(axum::middleware::from_fn(limits::server_fn_status))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::require_session,
        ))
        .layer(sessions)
        // Outermost, in this order: headers on every answer, then no foreign page's request
        // gets as far as the session, then no handler sees a body too large or half-sent.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limits::whole_bodies,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::same_origin_only,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .with_state(state)
}
