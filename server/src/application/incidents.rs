//! Reading incidents: one, the list, a timeline and its exports.

use app::domain::{
    AppError, EventRecord, Incident, IncidentPage, IncidentQuery, StatusCounts, User,
};

use super::{export, internal, Service};
use crate::markdown::render_event;

impl Service {
    pub async fn incident(&self, id: i64) -> Result<Incident, AppError> {
        self.store
            .incident(id)
            .await?
            .ok_or_else(|| AppError::not_found(format!("Incident {id} does not exist.")))
    }

    pub async fn timeline(&self, id: i64) -> Result<Vec<EventRecord>, AppError> {
        // 404 for unknown incidents rather than an empty list.
        self.incident(id).await?;
        let mut events = self.store.timeline(id).await?;
        events.iter_mut().for_each(render_event);
        Ok(events)
    }

    pub async fn list(&self) -> Result<Vec<Incident>, AppError> {
        Ok(self.store.incidents().await?)
    }

    /// A page of the incidents list as `viewer` asks for it; 400 for a query no page answers.
    pub async fn page(
        &self,
        viewer: &User,
        query: IncidentQuery,
    ) -> Result<IncidentPage, AppError> {
        let query = query.validated().map_err(AppError::bad_request)?;
        Ok(self.store.incidents_page(&query, viewer.id).await?)
    }

    /// Every incident by status.
    pub async fn status_counts(&self) -> Result<StatusCounts, AppError> {
        Ok(self.store.status_counts().await?)
    }

    /// The timeline as Markdown (`md`) or CSV (`csv`).
    pub async fn export(&self, id: i64, format: &str) -> Result<(String, &'static str), AppError> {
        let incident = self.incident(id).await?;
        let events = self.store.timeline(id).await?;
        let entries = app::domain::timeline_view(&events, &incident.pinned);
        let vocabulary = self.vocabulary_now().await?;
        match format {
            "md" => Ok((
                app::domain::to_markdown(&incident, &entries, &vocabulary),
                "text/markdown; charset=utf-8",
            )),
            "csv" => Ok((
                export::csv(&entries, &vocabulary).map_err(internal)?,
                "text/csv; charset=utf-8",
            )),
            other => Err(AppError::not_found(format!(
                "There is no \"{other}\" export: use .md (Markdown) or .csv."
            ))),
        }
    }
}
