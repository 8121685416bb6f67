//! Running a command on an incident for a REST handler.

use app::api::Acted;
use app::domain::{Command, User};
use axum::Json;

use crate::http::problem::ApiResult;
use crate::AppState;

/// Runs `command` on incident `id` for `user`, and answers with what it did.
pub(super) async fn run(
    state: &AppState,
    user: &User,
    id: i64,
    command: Command,
) -> ApiResult<Json<Acted>> {
    let done = state.service.execute(user, Some(id), command).await?;
    Ok(Json(Acted::on(id, done)))
}
