//! REST `/api/v1`: JSON in and out, for integrations and tests. Documented in `openapi.json`.

use app::domain::{
    clocks, Clock, Command, EventRecord, Incident, Severity, SlaPolicy, Status, User,
};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};

use super::problem::{ApiJson, ApiPath, ApiResult, Problem};
use super::session::{is_public, sign_in, sign_out, CurrentUser, Refused};
use super::sign_in::ClientAddr;
use crate::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct SignIn {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DeclareRequest {
    /// 1–200 characters.
    pub title: String,
    /// `sev1` (critical) … `sev4` (low).
    #[schema(value_type = Severity)]
    pub severity: String,
    /// Up to 10,000 characters.
    #[serde(default)]
    pub summary: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NoteRequest {
    /// Markdown, 1–20,000 characters.
    pub body: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StatusRequest {
    /// One of the statuses the incident may move to from its current one.
    #[schema(value_type = Status)]
    pub status: String,
    /// The incident `version` you last saw.
    pub expected_version: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
}

/// Signs in (sets the session cookie). After 10 failed attempts for one account from one
/// address, or 50 from one address, within 15 minutes (configurable), answers 429 with
/// `Retry-After` (seconds) instead, even for the right password.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = SignIn,
    responses((status = 200, body = User),
        (status = 401, body = Problem, description = "Wrong email or password"),
        (status = 429, body = Problem, description = "Too many failed sign-ins: wait and try again",
            headers(("Retry-After" = u64, description = "Seconds until sign-in is allowed again")))))]
pub async fn create_session(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    session: Session,
    ApiJson(body): ApiJson<SignIn>,
) -> Result<Json<User>, Refused> {
    let user = sign_in(&state, &session, &client, &body.email, &body.password).await?;
    Ok(Json(user))
}

#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses((status = 204, description = "Signed out")))]
pub async fn delete_session(
    State(state): State<AppState>,
    session: Session,
) -> ApiResult<StatusCode> {
    sign_out(&state, &session).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    responses((status = 200, body = User), (status = 401, body = Problem)))]
pub async fn me(Extension(CurrentUser(user)): Extension<CurrentUser>) -> Json<User> {
    Json(user)
}

/// An incident with its SLA clocks as of `server_time`.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentView {
    #[serde(flatten)]
    pub incident: Incident,
    /// Each running or stopped clock: target, deadline, state, paused time.
    pub sla: Vec<Clock>,
    /// The server's time the clock states were computed at.
    pub server_time: DateTime<Utc>,
}

impl IncidentView {
    fn new(incident: Incident, policy: &SlaPolicy, now: DateTime<Utc>) -> Self {
        IncidentView {
            sla: clocks(&incident, policy, now),
            incident,
            server_time: now,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents",
    responses((status = 200, body = Vec<IncidentView>), (status = 401, body = Problem)))]
pub async fn list_incidents(State(state): State<AppState>) -> ApiResult<Json<Vec<IncidentView>>> {
    let policy = state.service.sla_policy().await?;
    let now = Utc::now();
    let all = state.service.list().await?;
    Ok(Json(
        all.into_iter()
            .map(|i| IncidentView::new(i, &policy, now))
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/incidents", tag = "incidents", request_body = DeclareRequest,
    responses((status = 201, body = Incident), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn declare(
    State(state): State<AppState>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    ApiJson(body): ApiJson<DeclareRequest>,
) -> ApiResult<impl IntoResponse> {
    let severity = Severity::parse(&body.severity).map_err(app::domain::AppError::unprocessable)?;
    let command = Command::Declare {
        title: body.title,
        severity,
        summary: body.summary,
    };
    let (incident, _) = state.service.execute(&user, None, command).await?;
    Ok((StatusCode::CREATED, Json(incident)))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id", example = 1)),
    responses((status = 200, body = IncidentView), (status = 404, body = Problem)))]
pub async fn get_incident(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<IncidentView>> {
    let incident = state.service.incident(id).await?;
    let policy = state.service.sla_policy().await?;
    Ok(Json(IncidentView::new(incident, &policy, Utc::now())))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/timeline", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id", example = 1)),
    responses((status = 200, body = Vec<EventRecord>), (status = 404, body = Problem)))]
pub async fn get_timeline(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<EventRecord>>> {
    Ok(Json(state.service.timeline(id).await?))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/notes", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id", example = 1)), request_body = NoteRequest,
    responses((status = 201, body = EventRecord), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn post_note(
    State(state): State<AppState>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NoteRequest>,
) -> ApiResult<impl IntoResponse> {
    let (_, mut events) = state
        .service
        .execute(&user, Some(id), Command::PostNote { body: body.body })
        .await?;
    let event = events
        .pop()
        .ok_or_else(|| crate::application::internal("a note produced no event"))?;
    Ok((StatusCode::CREATED, Json(event)))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/status", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id", example = 1)), request_body = StatusRequest,
    responses((status = 200, body = Incident), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "Stale expected_version"),
        (status = 422, body = Problem, description = "Illegal transition")))]
pub async fn change_status(
    State(state): State<AppState>,
    Extension(CurrentUser(user)): Extension<CurrentUser>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<StatusRequest>,
) -> ApiResult<Json<Incident>> {
    let status = Status::parse(&body.status).map_err(app::domain::AppError::unprocessable)?;
    let command = Command::ChangeStatus {
        status,
        expected_version: body.expected_version,
    };
    let (incident, _) = state.service.execute(&user, Some(id), command).await?;
    Ok(Json(incident))
}

#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, content_type = "application/openmetrics-text",
        description = "Prometheus metrics of this instance (SLA breaches recorded, events appended)")))]
pub async fn metrics(State(state): State<AppState>) -> ApiResult<impl IntoResponse> {
    let text = state
        .service
        .metrics
        .render()
        .map_err(crate::application::internal)?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    ))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Sitrep API",
        description = "Run incidents: declare, change, follow them live."
    ),
    paths(
        create_session,
        delete_session,
        me,
        list_incidents,
        declare,
        get_incident,
        get_timeline,
        post_note,
        change_status,
        super::room_api::acknowledge,
        super::room_api::change_severity,
        super::room_api::update_impact,
        super::room_api::link_service,
        super::room_api::unlink_service,
        super::room_api::set_timestamp,
        super::room_api::publish_update,
        super::room_api::pin,
        super::room_api::unpin,
        super::room_api::edit_note,
        super::room_api::delete_note,
        super::room_api::merge,
        super::room_api::export,
        super::room_api::list_services,
        super::room_api::get_service,
        super::room_api::create_service,
        super::room_api::update_service,
        super::room_api::vocabulary,
        super::roles_api::get_roles,
        super::roles_api::assign,
        super::roles_api::relieve,
        super::roles_api::move_role,
        super::roles_api::swap,
        super::roles_api::tick,
        super::roles_api::people,
        super::roles_api::update_person,
        super::roles_api::catalog,
        super::roles_api::save_catalog,
        super::sla_api::policy,
        super::sla_api::save_policy,
        super::sla_api::incident_sla,
        super::stream::stream,
        super::tokens_api::list_tokens,
        super::tokens_api::create_token,
        super::tokens_api::revoke_token,
        healthz,
        metrics,
        openapi
    ),
    components(schemas(
        SignIn,
        DeclareRequest,
        NoteRequest,
        StatusRequest,
        Problem,
        Health,
        app::domain::LiveEvent,
        app::domain::Presence,
        app::api::Acted,
        app::api::SlaPolicySaved,
        app::api::ApiToken,
        app::api::CreatedToken,
        app::api::TokenScope,
        super::tokens_api::NewTokenRequest
    )),
    modifiers(&CommonResponses)
)]
pub struct ApiDoc;

/// The two ways in: the session cookie (browsers; `POST /api/v1/session`) and API tokens
/// (integrations; `POST /api/v1/tokens`).
const SESSION_SCHEME: &str = "session";
const BEARER_SCHEME: &str = "bearer";

/// What every route can answer whatever its handler does, said once here rather than on each
/// handler: errors are problems (`application/problem+json`); a JSON body can be malformed (400),
/// too large (413), of another content type (415) or without the expected fields (422); a path
/// or query parameter can fail to parse (400); anything behind sign-in answers 401 without it;
/// any change can be refused (403: a stakeholder's role, a request from another site).
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            SESSION_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "sitrep_session",
                "The session cookie that POST /api/v1/session sets.",
            ))),
        );
        components.add_security_scheme(
            BEARER_SCHEME,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("sitrep_…")
                    .description(Some(
                        "An API token (POST /api/v1/tokens) as `Authorization: Bearer <token>`. \
                         Read tokens may only GET; write tokens act as their owner.",
                    ))
                    .build(),
            ),
        );
        for (path, item) in doc.paths.paths.iter_mut() {
            let operations = [
                (axum::http::Method::GET, &mut item.get),
                (axum::http::Method::POST, &mut item.post),
                (axum::http::Method::PUT, &mut item.put),
                (axum::http::Method::PATCH, &mut item.patch),
                (axum::http::Method::DELETE, &mut item.delete),
            ];
            for (method, operation) in operations {
                if let Some(operation) = operation {
                    complete(operation, &method, path);
                }
            }
        }
    }
}

fn complete(operation: &mut Operation, method: &axum::http::Method, path: &str) {
    let responses = &mut operation.responses.responses;
    for response in responses.values_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        let is_problem = response.content.get("application/json").is_some_and(
            |c| matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem")),
        );
        if let Some(problem) = is_problem
            .then(|| response.content.shift_remove("application/json"))
            .flatten()
        {
            response
                .content
                .insert("application/problem+json".to_owned(), problem);
        }
    }
    let mut add = |status: &str, description: &str| {
        responses.entry(status.to_owned()).or_insert_with(|| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
                .into()
        });
    };
    if operation.request_body.is_some() {
        add("400", "The body is not valid JSON");
        add("413", "The body is larger than 2 MB");
        add("415", "The body is not sent as application/json");
        add(
            "422",
            "The JSON lacks an expected field, or a value is refused",
        );
    }
    if operation.parameters.as_ref().is_some_and(|p| !p.is_empty()) {
        add("400", "A path or query parameter does not parse");
    }
    if *method != axum::http::Method::GET {
        add(
            "403",
            "Your role (or a read-only token) may not do this, or the request came from another site",
        );
    }
    if is_public(method, path) {
        // No security requirement at all: callable signed out.
        operation.security = Some(vec![SecurityRequirement::default()]);
    } else {
        add("401", "Not signed in");
        let session = SecurityRequirement::new(SESSION_SCHEME, Vec::<String>::new());
        operation.security = Some(if super::session::manages_tokens(path) {
            // Tokens cannot mint or revoke tokens: only a signed-in person can.
            add(
                "403",
                "Tokens are managed by a signed-in person, not by a token",
            );
            vec![session]
        } else {
            // Either way in: the cookie or a token.
            vec![
                session,
                SecurityRequirement::new(BEARER_SCHEME, Vec::<String>::new()),
            ]
        });
    }
}

#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations",
    responses((status = 200, content_type = "application/json", description = "This document (no sign-in needed)")))]
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
