//! The screens' view of the application (`app::api::backend::Backend`, called by server functions).

use app::api::backend::Backend;
use app::api::{
    IncidentsSnapshot, PageAt, RolesSnapshot, RoomSnapshot, ServicesSnapshot, SlaPolicySaved,
    SlaSnapshot, TimelinePage,
};
use app::domain::{
    AppError, Command, EventRecord, Incident, IncidentQuery, RevisedCatalog, RoleCatalog,
    Service as CatalogService, ServiceInput, SlaPolicy, StatusCounts, User,
};

use super::Service;

#[async_trait::async_trait]
impl Backend for Service {
    async fn incidents(
        &self,
        viewer: &User,
        query: IncidentQuery,
    ) -> Result<IncidentsSnapshot, AppError> {
        self.incidents_snapshot(viewer, query).await
    }

    async fn incidents_page(
        &self,
        viewer: &User,
        query: IncidentQuery,
    ) -> Result<PageAt, AppError> {
        let last_event_id = self.store.last_event_id().await?;
        Ok(PageAt {
            page: self.page(viewer, query).await?,
            counts: self.status_counts().await?,
            server_time: chrono::Utc::now(),
            last_event_id,
        })
    }

    async fn status_counts(&self, _viewer: &User) -> Result<StatusCounts, AppError> {
        Service::status_counts(self).await
    }

    async fn incident(&self, _viewer: &User, id: i64) -> Result<Incident, AppError> {
        Service::incident(self, id).await
    }

    async fn room(&self, viewer: &User, id: i64) -> Result<RoomSnapshot, AppError> {
        self.room_snapshot(viewer, id).await
    }

    async fn timeline(
        &self,
        _viewer: &User,
        id: i64,
        before: Option<i64>,
        limit: Option<i64>,
    ) -> Result<TimelinePage, AppError> {
        self.timeline_page(id, before, limit).await
    }

    async fn services(&self, viewer: &User) -> Result<ServicesSnapshot, AppError> {
        self.services_snapshot(viewer).await
    }

    async fn save_service(
        &self,
        viewer: &User,
        id: Option<i64>,
        input: ServiceInput,
    ) -> Result<CatalogService, AppError> {
        Service::save_service(self, viewer, id, input).await
    }

    async fn execute(
        &self,
        actor: &User,
        incident: Option<i64>,
        command: Command,
    ) -> Result<(Incident, Vec<EventRecord>), AppError> {
        Service::execute(self, actor, incident, command).await
    }

    async fn role_catalog(&self, viewer: &User) -> Result<RolesSnapshot, AppError> {
        self.roles_snapshot(viewer).await
    }

    async fn save_role_catalog(
        &self,
        viewer: &User,
        catalog: RoleCatalog,
        revision: Option<u64>,
    ) -> Result<RevisedCatalog, AppError> {
        let expected: Option<Vec<u64>> = revision.map(|r| vec![r]);
        Service::save_role_catalog(self, viewer, catalog, expected.as_deref()).await
    }

    async fn sla_policy(&self, viewer: &User) -> Result<SlaSnapshot, AppError> {
        self.sla_snapshot(viewer).await
    }

    async fn save_sla_policy(
        &self,
        viewer: &User,
        policy: SlaPolicy,
        revision: Option<u64>,
    ) -> Result<SlaPolicySaved, AppError> {
        let expected: Option<Vec<u64>> = revision.map(|r| vec![r]);
        Service::save_sla_policy(self, viewer, policy, expected.as_deref()).await
    }

    async fn tokens(&self, viewer: &User) -> Result<Vec<app::api::ApiToken>, AppError> {
        self.list_tokens(viewer).await
    }

    async fn create_token(
        &self,
        viewer: &User,
        name: String,
        scope: app::api::TokenScope,
    ) -> Result<app::api::CreatedToken, AppError> {
        self.new_token(viewer, &name, scope).await
    }

    async fn revoke_token(&self, viewer: &User, id: i64) -> Result<(), AppError> {
        self.delete_token(viewer, id).await
    }
}
