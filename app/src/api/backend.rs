//! The seam between the screens and the server: the application's commands and queries. The
//! server implements it; server functions reach it through context.

use std::sync::Arc;

use super::snapshots::{
    ApiToken, CreatedToken, IncidentsSnapshot, PageAt, RolesSnapshot, RoomSnapshot,
    ServicesSnapshot, SlaPolicySaved, SlaSnapshot, TimelinePage, TokenScope,
};
use crate::domain::{
    AppError, Command, EventRecord, Incident, IncidentQuery, RevisedCatalog, RoleCatalog, Service,
    ServiceInput, SlaPolicy, StatusCounts, User,
};

#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    /// The incidents list's screen, its first page for `query`.
    async fn incidents(
        &self,
        viewer: &User,
        query: IncidentQuery,
    ) -> Result<IncidentsSnapshot, AppError>;
    /// A page of the incidents list.
    async fn incidents_page(&self, viewer: &User, query: IncidentQuery)
        -> Result<PageAt, AppError>;
    /// Every incident by status.
    async fn status_counts(&self, viewer: &User) -> Result<StatusCounts, AppError>;
    /// One incident (a live list fetches a row an event may have brought into its page).
    async fn incident(&self, viewer: &User, id: i64) -> Result<Incident, AppError>;
    async fn room(&self, viewer: &User, id: i64) -> Result<RoomSnapshot, AppError>;
    /// A page of an incident's timeline: up to `limit` events before stream version `before`
    /// (the latest when absent), checked by `timeline_page_request`.
    async fn timeline(
        &self,
        viewer: &User,
        id: i64,
        before: Option<i64>,
        limit: Option<i64>,
    ) -> Result<TimelinePage, AppError>;
    /// Runs a command for `actor`; `incident` is `None` when declaring.
    async fn execute(
        &self,
        actor: &User,
        incident: Option<i64>,
        command: Command,
    ) -> Result<(Incident, Vec<EventRecord>), AppError>;
    async fn services(&self, viewer: &User) -> Result<ServicesSnapshot, AppError>;
    /// Adds a service (`id` is `None`) or replaces one's facts.
    async fn save_service(
        &self,
        viewer: &User,
        id: Option<i64>,
        input: ServiceInput,
    ) -> Result<Service, AppError>;
    /// The role catalog, for its settings screen.
    async fn role_catalog(&self, viewer: &User) -> Result<RolesSnapshot, AppError>;
    /// Replaces the role catalog (admins) if it is still at `revision` (when given).
    async fn save_role_catalog(
        &self,
        viewer: &User,
        catalog: RoleCatalog,
        revision: Option<u64>,
    ) -> Result<RevisedCatalog, AppError>;
    /// The incident SLA policy, for its settings screen.
    async fn sla_policy(&self, viewer: &User) -> Result<SlaSnapshot, AppError>;
    /// Replaces the SLA policy (admins) if it is still at `revision` (when given); open
    /// incidents' deadlines follow.
    async fn save_sla_policy(
        &self,
        viewer: &User,
        policy: SlaPolicy,
        revision: Option<u64>,
    ) -> Result<SlaPolicySaved, AppError>;
    /// The viewer's API tokens (everyone's for admins).
    async fn tokens(&self, viewer: &User) -> Result<Vec<ApiToken>, AppError>;
    /// A new API token for the viewer; its secret is in the answer only.
    async fn create_token(
        &self,
        viewer: &User,
        name: String,
        scope: TokenScope,
    ) -> Result<CreatedToken, AppError>;
    /// Revokes one of the viewer's tokens (any token for admins).
    async fn revoke_token(&self, viewer: &User, id: i64) -> Result<(), AppError>;
}

pub type SharedBackend = Arc<dyn Backend>;

/// The signed-in user of the current request, put into the request's extensions by the server's
/// session middleware.
#[derive(Clone, Debug)]
pub struct Viewer(pub Option<User>);

/// The backend provided by the server for this request.
pub fn backend() -> Result<SharedBackend, AppError> {
    leptos::prelude::use_context::<SharedBackend>()
        .ok_or_else(|| AppError::internal("The backend is not available."))
}

/// The signed-in user, or 401.
pub fn viewer() -> Result<User, AppError> {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Viewer>().cloned())
        .and_then(|v| v.0)
        .ok_or_else(AppError::unauthenticated)
}

/// Runs a server function's body for the signed-in user with the backend, and gives an error its
/// real HTTP status (422, 409, 403, ...) instead of 500.
pub async fn handle<T, F, Fut>(body: F) -> Result<T, AppError>
where
    F: FnOnce(User, SharedBackend) -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    let result = async { body(viewer()?, backend()?).await }.await;
    if let Err(err) = &result {
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = http::StatusCode::from_u16(err.kind.status()) {
                response.set_status(status);
            }
        }
    }
    result
}
