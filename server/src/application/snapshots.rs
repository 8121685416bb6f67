//! What each screen loads: the snapshot it renders, and the cursor its live stream continues from.

use app::api::{IncidentsSnapshot, RolesSnapshot, RoomSnapshot, ServicesSnapshot, SlaSnapshot};
use app::domain::{AppError, IncidentQuery, RevisedCatalog, User};
use chrono::Utc;

use super::Service;

impl Service {
    pub async fn incidents_snapshot(
        &self,
        viewer: &User,
        query: IncidentQuery,
    ) -> Result<IncidentsSnapshot, AppError> {
        let query = query.validated().map_err(AppError::bad_request)?;
        // Read the cursor first: anything after it is streamed live, and the browser drops what
        // the snapshot already holds.
        let last_event_id = self.store.last_event_id().await?;
        Ok(IncidentsSnapshot {
            page: self.page(viewer, query.clone()).await?,
            counts: self.status_counts().await?,
            query,
            viewer: viewer.clone(),
            server_time: Utc::now(),
            last_event_id,
            vocabulary: self.vocabulary_now().await?,
            services: self.services().await?,
            sla_policy: self.sla_policy_for_page().await?,
        })
    }

    pub async fn room_snapshot(&self, viewer: &User, id: i64) -> Result<RoomSnapshot, AppError> {
        let last_event_id = self.store.last_event_id().await?;
        let incident = self.incident(id).await?;
        let (timeline, key_moments) = self.room_timeline(&incident).await?;
        let (vocabulary, roles_revision) = self.revised_vocabulary().await?;
        Ok(RoomSnapshot {
            incident,
            timeline,
            key_moments,
            viewer: viewer.clone(),
            server_time: Utc::now(),
            last_event_id,
            vocabulary,
            roles_revision,
            services: self.services().await?,
            roster: self.roster(None).await?,
            sla_policy: self.sla_policy_for_page().await?,
            // A browser's preference: its server function reads the cookie.
            folded: Default::default(),
        })
    }

    pub async fn services_snapshot(&self, viewer: &User) -> Result<ServicesSnapshot, AppError> {
        Ok(ServicesSnapshot {
            services: self.services().await?,
            viewer: viewer.clone(),
        })
    }

    pub async fn roles_snapshot(&self, viewer: &User) -> Result<RolesSnapshot, AppError> {
        let RevisedCatalog { revision, catalog } = self.revised_role_catalog().await?;
        Ok(RolesSnapshot {
            catalog,
            revision,
            viewer: viewer.clone(),
        })
    }

    pub async fn sla_snapshot(&self, viewer: &User) -> Result<SlaSnapshot, AppError> {
        Ok(SlaSnapshot {
            policy: self.sla_policy_for_page().await?,
            viewer: viewer.clone(),
            vocabulary: self.vocabulary_now().await?,
        })
    }
}
