//! The HTTP surface: pages (Leptos SSR), server functions, REST, SSE, sign-in, operations.

pub mod api;
pub mod limits;
pub mod problem;
pub mod roles_api;
pub mod room_api;
pub mod session;
pub mod sla_api;
pub mod stream;
pub mod tokens_api;

use std::sync::Arc;

use app::backend::SharedBackend;
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::AppState;

/// How long a session lives without use.
const SESSION_IDLE_DAYS: i64 = 14;

pub fn router(state: AppState) -> Router {
    let backend: SharedBackend = Arc::new(state.service.clone());
    let options = state.leptos.clone();
    let routes = generate_route_list(app::App);

    let sessions = SessionManagerLayer::new(state.service.store.sessions())
        .with_name("sitrep_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::days(
            SESSION_IDLE_DAYS,
        )));

    let api = Router::new()
        .route(
            "/session",
            post(api::create_session).delete(api::delete_session),
        )
        .route("/me", get(api::me))
        .route("/incidents", get(api::list_incidents).post(api::declare))
        .route("/incidents/{id}", get(api::get_incident))
        .route("/incidents/{id}/timeline", get(api::get_timeline))
        .route("/incidents/{id}/notes", post(api::post_note))
        .route("/incidents/{id}/status", post(api::change_status))
        .merge(room_api::routes())
        .merge(roles_api::routes())
        .merge(sla_api::routes())
        .merge(tokens_api::routes())
        .route("/stream", get(stream::stream))
        .route("/openapi.json", get(api::openapi))
        .fallback(|| async {
            problem::ApiError(app::domain::AppError::not_found("No such API route."))
                .into_response()
        });

    Router::new()
        .nest("/api/v1", api)
        .route("/healthz", get(api::healthz))
        .route("/metrics", get(api::metrics))
        .route("/auth/login", post(session::login_form))
        .route("/auth/logout", post(session::logout_form))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(backend.clone()),
            move || app::shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(
            app::shell,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::require_session,
        ))
        .layer(sessions)
        .with_state(state)
}

use axum::response::IntoResponse;
