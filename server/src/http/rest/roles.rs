//! REST `/api/v1` for the role board (who holds which role on an incident, and who held it), the
//! roster of people who can be given roles, and the role catalog.

use app::api::requests::{AssignRequest, MoveRequest, SwapRequest, TickRequest};
use app::api::Acted;
use app::domain::{Actor, Person, RoleCatalog, RoleView, User};
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::command::run;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery, CurrentUser};
use crate::http::problem::{ApiResult, Problem};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/incidents/{id}/roles", get(get_roles))
        .route("/incidents/{id}/roles/assign", post(assign))
        .route("/incidents/{id}/roles/relieve", post(relieve))
        .route("/incidents/{id}/roles/move", post(move_role))
        .route("/incidents/{id}/roles/swap", post(swap))
        .route("/incidents/{id}/roles/checklist", post(tick))
        .route("/people", get(people))
        .route("/people/{id}", patch(update_person))
        .route("/roles", get(catalog).put(save_catalog))
}

/// An incident's role board.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentRoles {
    pub incident_id: i64,
    /// The board's version: send it as `expected_version` when changing the board.
    pub version: i64,
    /// A major incident that is still open has no Incident Commander.
    pub needs_commander: bool,
    /// The Incident Commander who is also the Tech Lead, if any: the board warns.
    pub commander_also_tech_lead: Option<Actor>,
    pub roles: Vec<RoleView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    /// Part of a name or team, any case.
    pub q: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PersonPatch {
    pub team: Option<String>,
    pub on_call: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/roles", tag = "roles",
    params(("id" = i64, Path, description = "Incident id", example = 1)),
    responses((status = 200, body = IncidentRoles), (status = 404, body = Problem)))]
pub async fn get_roles(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<IncidentRoles>> {
    let incident = state.service.incident(id).await?;
    let vocabulary = state.service.vocabulary_now().await?;
    Ok(Json(IncidentRoles {
        incident_id: id,
        version: incident.roles.version,
        needs_commander: incident.needs_commander(vocabulary.severity(incident.severity).major),
        commander_also_tech_lead: incident.roles.commander_also_tech_lead().cloned(),
        roles: incident.roles.view(&vocabulary.roles),
    }))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/roles/assign", tag = "roles",
    params(("id" = i64, Path, description = "Incident id", example = 1)), request_body = AssignRequest,
    responses((status = 200, body = Acted), (status = 403, body = Problem),
        (status = 404, body = Problem, description = "No such incident or person"),
        (status = 409, body = Problem, description = "The board changed since `expected_version`; the message names who holds the role now"),
        (status = 422, body = Problem, description = "Unknown or retired role, a role they hold already, or a stakeholder")),
    description = "Puts the person in the role. A single-holder role that is held is handed over: its holder is relieved at the same instant, as one `role_handed_over` event (nobody sees the role empty). Assign the previous holder again, with the version the hand-over left, to hand it back.")]
pub async fn assign(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AssignRequest>,
) -> ApiResult<Json<Acted>> {
    run(&state, &user, id, body.assign()).await
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/roles/relieve", tag = "roles",
    params(("id" = i64, Path, description = "Incident id", example = 1)), request_body = AssignRequest,
    responses((status = 200, body = Acted), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem, description = "They do not hold the role")))]
pub async fn relieve(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AssignRequest>,
) -> ApiResult<Json<Acted>> {
    run(&state, &user, id, body.relieve()).await
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/roles/move", tag = "roles",
    params(("id" = i64, Path, description = "Incident id", example = 1)), request_body = MoveRequest,
    responses((status = 200, body = Acted), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem, description = "They do not hold `from`, or `to` is a single-holder role someone holds (assign to hand it over, or swap)")))]
pub async fn move_role(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MoveRequest>,
) -> ApiResult<Json<Acted>> {
    run(&state, &user, id, body.command()).await
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/roles/swap", tag = "roles",
    params(("id" = i64, Path, description = "Incident id", example = 1)), request_body = SwapRequest,
    responses((status = 200, body = Acted), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn swap(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<SwapRequest>,
) -> ApiResult<Json<Acted>> {
    run(&state, &user, id, body.command()).await
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/roles/checklist", tag = "roles",
    params(("id" = i64, Path, description = "Incident id", example = 1)), request_body = TickRequest,
    responses((status = 200, body = Acted),
        (status = 403, body = Problem, description = "Only the role's holders and the commander tick its checklist"),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn tick(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<TickRequest>,
) -> ApiResult<Json<Acted>> {
    run(&state, &user, id, body.command()).await
}

#[utoipa::path(get, path = "/api/v1/people", tag = "roles", params(PeopleQuery),
    responses((status = 200, body = Vec<Person>, description = "Everyone who can be given a role, with the open incidents they hold roles in")))]
pub async fn people(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<PeopleQuery>,
) -> ApiResult<Json<Vec<Person>>> {
    Ok(Json(state.service.roster(query.q.as_deref()).await?))
}

#[utoipa::path(patch, path = "/api/v1/people/{id}", tag = "roles",
    params(("id" = i64, Path, description = "User id")), request_body = PersonPatch,
    responses((status = 200, body = User), (status = 403, body = Problem, description = "Admins only"),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_person(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PersonPatch>,
) -> ApiResult<Json<User>> {
    Ok(Json(
        state
            .service
            .set_person(&user, id, body.team, body.on_call)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/roles", tag = "roles",
    responses((status = 200, body = RoleCatalog, description = "The roles; the ETag header is the catalog's revision",
        headers(("ETag" = String, description = "The revision, for If-Match on PUT")))))]
pub async fn catalog(State(state): State<AppState>) -> ApiResult<impl IntoResponse> {
    let current = state.service.revised_role_catalog().await?;
    Ok((super::sla::etag(current.revision), Json(current.catalog)))
}

#[utoipa::path(put, path = "/api/v1/roles", tag = "roles", request_body = RoleCatalog,
    params(("If-Match" = Option<String>, Header, description = "The ETag you read: refused with 412 if someone saved since")),
    responses((status = 200, body = RoleCatalog), (status = 400, body = Problem, description = "An If-Match that is not a revision"),
        (status = 403, body = Problem, description = "Admins only"),
        (status = 412, body = Problem, description = "Someone saved the catalog since the If-Match revision"),
        (status = 422, body = Problem, description = "Invalid, or a role removed rather than retired")))]
pub async fn save_catalog(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: axum::http::HeaderMap,
    ApiJson(body): ApiJson<RoleCatalog>,
) -> ApiResult<impl IntoResponse> {
    let expected = super::sla::if_match(&headers, "the role catalog", "/api/v1/roles")?;
    let saved = state
        .service
        .save_role_catalog(&user, body, expected.as_deref())
        .await?;
    Ok((super::sla::etag(saved.revision), Json(saved.catalog)))
}
