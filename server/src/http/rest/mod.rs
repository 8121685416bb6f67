//! REST `/api/v1`: JSON in and out, for integrations and tests; a module per area, each with its
//! routes. Documented in `openapi.json` (see `http/openapi.rs`).

mod command;
pub mod incidents;
pub mod ops;
pub mod roles;
pub mod room;
pub mod services;
pub mod session;
pub mod sla;
pub mod tickets;
pub mod tokens;

use axum::Router;

use crate::AppState;

/// Every REST route under `/api/v1` but the live stream and the OpenAPI document.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(session::routes())
        .merge(incidents::routes())
        .merge(room::routes())
        .merge(services::routes())
        .merge(roles::routes())
        .merge(sla::routes())
        .merge(tickets::routes())
        .merge(tokens::routes())
        .merge(ops::routes())
}
