//! The OpenAPI document of `/api/v1` (`GET /api/v1/openapi.json`): which operations there are
//! (each documented on its handler), and what every route can answer whatever its handler does.

use axum::Json;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::problem::Problem;
use super::session::{is_public, manages_tokens};
use super::{rest, stream};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Sitrep API",
        description = "Run incidents: declare, change, follow them live."
    ),
    paths(
        rest::session::create_session,
        rest::session::delete_session,
        rest::session::me,
        rest::incidents::list_incidents,
        rest::incidents::declare,
        rest::incidents::get_incident,
        rest::incidents::get_timeline,
        rest::incidents::post_note,
        rest::incidents::change_status,
        rest::room::acknowledge,
        rest::room::change_severity,
        rest::room::update_impact,
        rest::room::link_service,
        rest::room::unlink_service,
        rest::room::set_timestamp,
        rest::room::publish_update,
        rest::room::pin,
        rest::room::unpin,
        rest::room::edit_note,
        rest::room::delete_note,
        rest::room::merge,
        rest::room::export,
        rest::services::list_services,
        rest::services::get_service,
        rest::services::create_service,
        rest::services::update_service,
        rest::ops::vocabulary,
        rest::roles::get_roles,
        rest::roles::assign,
        rest::roles::relieve,
        rest::roles::move_role,
        rest::roles::swap,
        rest::roles::tick,
        rest::roles::people,
        rest::roles::update_person,
        rest::roles::catalog,
        rest::roles::save_catalog,
        rest::sla::policy,
        rest::sla::save_policy,
        rest::sla::incident_sla,
        rest::tickets::open_ticket,
        rest::tickets::get_ticket,
        rest::tickets::update_ticket,
        rest::tickets::inbound_email,
        rest::tickets::bulk_update,
        rest::tickets::merge_ticket,
        stream::stream,
        rest::tokens::list_tokens,
        rest::tokens::create_token,
        rest::tokens::revoke_token,
        rest::ops::healthz,
        rest::ops::metrics,
        openapi
    ),
    components(schemas(
        rest::session::SignIn,
        app::api::requests::DeclareRequest,
        app::api::requests::NoteRequest,
        app::api::requests::StatusRequest,
        Problem,
        rest::ops::Health,
        app::domain::LiveEvent,
        app::domain::Presence,
        app::api::Acted,
        app::api::SlaPolicySaved,
        app::api::ApiToken,
        app::api::CreatedToken,
        app::api::TokenScope,
        rest::tokens::NewTokenRequest,
        app::api::ticket_requests::OpenTicketRequest,
        app::api::ticket_requests::TicketPatchRequest
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
        operation.security = Some(if manages_tokens(path) {
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
