//! REST `/api/v1/services`: the service catalog incidents link to.

use app::domain::{Service, ServiceInput};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};

use crate::http::extract::{ApiJson, ApiPath, CurrentUser};
use crate::http::problem::{ApiResult, Problem};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/services", get(list_services).post(create_service))
        .route("/services/{id}", get(get_service).put(update_service))
}

#[utoipa::path(get, path = "/api/v1/services", tag = "services",
    responses((status = 200, body = Vec<Service>)))]
pub async fn list_services(State(state): State<AppState>) -> ApiResult<Json<Vec<Service>>> {
    Ok(Json(state.service.services().await?))
}

#[utoipa::path(get, path = "/api/v1/services/{id}", tag = "services",
    params(("id" = i64, Path, description = "Service id")),
    responses((status = 200, body = Service), (status = 404, body = Problem)))]
pub async fn get_service(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Service>> {
    Ok(Json(state.service.service(id).await?))
}

#[utoipa::path(post, path = "/api/v1/services", tag = "services", request_body = ServiceInput,
    responses((status = 201, body = Service), (status = 403, body = Problem),
        (status = 409, body = Problem, description = "Name taken"), (status = 422, body = Problem)))]
pub async fn create_service(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<ServiceInput>,
) -> ApiResult<impl IntoResponse> {
    let service = state.service.save_service(&user, None, body).await?;
    Ok((StatusCode::CREATED, Json(service)))
}

#[utoipa::path(put, path = "/api/v1/services/{id}", tag = "services", request_body = ServiceInput,
    params(("id" = i64, Path, description = "Service id")),
    responses((status = 200, body = Service), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Name taken"), (status = 422, body = Problem)))]
pub async fn update_service(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ServiceInput>,
) -> ApiResult<Json<Service>> {
    Ok(Json(
        state.service.save_service(&user, Some(id), body).await?,
    ))
}
