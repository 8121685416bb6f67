//! REST `/api/v1/tickets`: opening a ticket, one ticket with its SLA clocks, and triage.

use app::api::ticket_requests::{
    BulkTicketsRequest, InboundEmailRequest, MergeTicketRequest, OpenTicketRequest,
    TicketPatchRequest,
};
use app::domain::{Action, AppError, Channel, SlaPolicy, Ticket, TicketClock};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::application::MailOutcome;
use crate::http::extract::{ApiJson, ApiPath, CurrentUser};
use crate::http::problem::{ApiResult, Problem};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tickets", post(open_ticket))
        .route("/tickets/{id}", get(get_ticket).patch(update_ticket))
        .route("/tickets/bulk", post(bulk_update))
        .route("/tickets/{id}/merge", post(merge_ticket))
        .route("/inbound/email", post(inbound_email))
}

/// A ticket with its SLA clocks as of `server_time`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketView {
    #[serde(flatten)]
    pub ticket: Ticket,
    /// `T-123`, as a mail's subject tag `[#T-123]` names it.
    #[schema(example = "T-123")]
    pub reference: String,
    /// First reply, next reply (while a requester's reply waits for an answer) and
    /// resolution: target, deadline, state, paused time.
    pub sla: Vec<TicketClock>,
    /// The server's time the clock states were computed at.
    pub server_time: DateTime<Utc>,
}

impl TicketView {
    fn new(ticket: Ticket, policy: &SlaPolicy, now: DateTime<Utc>) -> Self {
        TicketView {
            sla: ticket.clocks(policy, now),
            reference: ticket.reference(),
            ticket,
            server_time: now,
        }
    }
}

/// `ticket` with its clocks under the policy now.
async fn view(state: &AppState, ticket: Ticket) -> ApiResult<TicketView> {
    let policy = state.service.sla_policy().await?;
    Ok(TicketView::new(ticket, &policy, Utc::now()))
}

#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets", request_body = OpenTicketRequest,
    responses((status = 201, body = TicketView, description = "The ticket, New, with its clocks"),
        (status = 403, body = Problem), (status = 422, body = Problem,
            description = "A field out of its limits, an unknown priority, a bad address or tag")))]
pub async fn open_ticket(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<OpenTicketRequest>,
) -> ApiResult<impl IntoResponse> {
    // Who may is said before what is wrong with the request.
    user.require(Action::WorkTickets).map_err(AppError::from)?;
    let command = body.command(Channel::Api)?;
    let (ticket, _) = state
        .service
        .execute_ticket(&user, None, command, Vec::new())
        .await?;
    Ok((StatusCode::CREATED, Json(view(&state, ticket).await?)))
}

#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id", example = 1)),
    responses((status = 200, body = TicketView), (status = 404, body = Problem)))]
pub async fn get_ticket(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<TicketView>> {
    let ticket = state.service.ticket(id).await?;
    Ok(Json(view(&state, ticket).await?))
}

#[utoipa::path(patch, path = "/api/v1/tickets/{id}", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id", example = 1)),
    request_body = TicketPatchRequest,
    responses((status = 200, body = TicketView, description = "The ticket after the change"),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "A stale `expected_version`, or a closed or merged ticket"),
        (status = 422, body = Problem, description = "A change the rules refuse: back to New, Solved without an assignee, …")))]
pub async fn update_ticket(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<TicketPatchRequest>,
) -> ApiResult<Json<TicketView>> {
    user.require(Action::WorkTickets).map_err(AppError::from)?;
    let command = body.command()?;
    let (ticket, _) = state
        .service
        .execute_ticket(&user, Some(id), command, Vec::new())
        .await?;
    Ok(Json(view(&state, ticket).await?))
}

/// What an inbound mail came to, and the ticket it reached.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailTaken {
    pub outcome: MailOutcome,
    pub ticket: TicketView,
}

#[utoipa::path(post, path = "/api/v1/inbound/email", tag = "tickets",
    request_body = InboundEmailRequest,
    responses(
        (status = 201, body = MailTaken, description = "A new ticket: `opened`, a `follow_up` of a closed ticket, or `related` to a ticket whose conversation the sender is not on"),
        (status = 200, body = MailTaken, description = "`replied` on the ticket the mail answers (by `in_reply_to` or a `[#T-123]` subject tag), or a `duplicate` of a mail taken already"),
        (status = 403, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem, description = "No sender, an empty message, a bad address")))]
pub async fn inbound_email(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    token: Option<axum::Extension<crate::http::session::ViaToken>>,
    ApiJson(body): ApiJson<InboundEmailRequest>,
) -> ApiResult<impl IntoResponse> {
    // A mail speaks for its sender: only the bridge, on a token of its own, hands them over.
    if token.is_none() {
        return Err(AppError::forbidden(
            "Mail comes in through the inbound-mail bridge, with a write API token \
             (Authorization: Bearer), not from a signed-in browser.",
        )
        .into());
    }
    let mail = body.mail()?;
    let (ticket, outcome) = state.service.receive_mail(&user, &mail).await?;
    let status = match outcome {
        MailOutcome::Replied | MailOutcome::Duplicate => StatusCode::OK,
        MailOutcome::Opened | MailOutcome::FollowUp | MailOutcome::Related => StatusCode::CREATED,
    };
    Ok((
        status,
        Json(MailTaken {
            outcome,
            ticket: view(&state, ticket).await?,
        }),
    ))
}

/// Tickets after a bulk change, in the order asked.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketsChanged {
    pub tickets: Vec<TicketView>,
}

#[utoipa::path(post, path = "/api/v1/tickets/bulk", tag = "tickets",
    request_body = BulkTicketsRequest,
    responses((status = 200, body = TicketsChanged, description = "Every ticket after the change (those already as asked, unchanged)"),
        (status = 403, body = Problem),
        (status = 404, body = Problem, description = "A ticket that does not exist: nothing changed"),
        (status = 409, body = Problem, description = "A closed or merged ticket among them: nothing changed"),
        (status = 422, body = Problem, description = "No ids, more than 200, or a change the rules refuse for one of them (each named): nothing changed")))]
pub async fn bulk_update(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<BulkTicketsRequest>,
) -> ApiResult<Json<TicketsChanged>> {
    user.require(Action::WorkTickets).map_err(AppError::from)?;
    let (ids, update) = body.update()?;
    let tickets = state.service.update_tickets(&user, &ids, update).await?;
    let policy = state.service.sla_policy().await?;
    let now = Utc::now();
    Ok(Json(TicketsChanged {
        tickets: tickets
            .into_iter()
            .map(|t| TicketView::new(t, &policy, now))
            .collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/tickets/{id}/merge", tag = "tickets",
    params(("id" = i64, Path, description = "The duplicate's id", example = 2)),
    request_body = MergeTicketRequest,
    responses((status = 200, body = TicketView, description = "The ticket that carries on, with the duplicate's conversation, people and link"),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "A stale `expected_version`, or a closed or merged duplicate"),
        (status = 422, body = Problem, description = "Into itself, into a merged or closed ticket, or two tickets linked to different incidents")))]
pub async fn merge_ticket(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MergeTicketRequest>,
) -> ApiResult<Json<TicketView>> {
    user.require(Action::WorkTickets).map_err(AppError::from)?;
    let into = body.into;
    state
        .service
        .execute_ticket(&user, Some(id), body.command(), Vec::new())
        .await?;
    let survivor = state.service.ticket(into).await?;
    Ok(Json(view(&state, survivor).await?))
}
