//! Reading incidents: one, the list, a timeline a page at a time and its exports.

use app::api::TimelinePage;
use app::domain::{
    timeline_page_request, AppError, EventRecord, Incident, IncidentPage, IncidentQuery,
    StatusCounts, User, TIMELINE_PAGE,
};

use super::{export, Service};
use crate::markdown::render_event;

impl Service {
    pub async fn incident(&self, id: i64) -> Result<Incident, AppError> {
        self.store
            .incident(id)
            .await?
            .ok_or_else(|| AppError::not_found(format!("Incident {id} does not exist.")))
    }

    /// A page of an incident's timeline, newest first: up to `limit` events before stream
    /// version `before` (the latest when absent); 400 for a page no rule allows.
    pub async fn timeline_page(
        &self,
        id: i64,
        before: Option<i64>,
        limit: Option<i64>,
    ) -> Result<TimelinePage, AppError> {
        let (before, limit) =
            timeline_page_request(before, limit).map_err(AppError::bad_request)?;
        // 404 for unknown incidents rather than an empty page.
        self.incident(id).await?;
        self.read_page(id, before, limit).await
    }

    async fn read_page(
        &self,
        id: i64,
        before: Option<i64>,
        limit: i64,
    ) -> Result<TimelinePage, AppError> {
        let mut events = self.store.timeline_before(id, before, limit).await?;
        events.iter_mut().for_each(render_event);
        // Versions count from 1 without gaps: a page that reaches 1 is the last.
        let next = events.last().map(|e| e.incident_version).filter(|v| *v > 1);
        Ok(TimelinePage { events, next })
    }

    /// The room's timeline: its latest page, and the key moments older than it (the pinned
    /// entries, read by id, with the latest edits of the pinned notes, read by version).
    pub async fn room_timeline(
        &self,
        incident: &Incident,
    ) -> Result<(TimelinePage, Vec<EventRecord>), AppError> {
        let page = self.read_page(incident.id, None, TIMELINE_PAGE).await?;
        // The page is the stream's latest events: whatever is not on it is older.
        let floor = page.events.last().map_or(i64::MAX, |e| e.incident_version);
        let on_page = |id: &i64| page.events.iter().any(|e| e.id == *id);
        let pins: Vec<i64> = incident
            .pinned
            .iter()
            .copied()
            .filter(|id| !on_page(id))
            .collect();
        let mut moments = self.store.events_by_ids(incident.id, &pins).await?;
        let edits: Vec<i64> = incident
            .note_edits
            .iter()
            .filter(|e| pins.contains(&e.note) && e.version < floor)
            .map(|e| e.version)
            .collect();
        moments.extend(self.store.events_at_versions(incident.id, &edits).await?);
        moments.sort_by_key(|e| e.incident_version);
        moments.iter_mut().for_each(render_event);
        Ok((page, moments))
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

    /// The timeline as Markdown (`md`) or CSV (`csv`), with its content type: a stream of
    /// chunks, read from the store a batch at a time (see `export.rs`).
    pub async fn export(
        &self,
        id: i64,
        format: &str,
    ) -> Result<(export::Chunks, &'static str), AppError> {
        let format = export::Format::parse(format)?;
        let incident = self.incident(id).await?;
        let vocabulary = self.vocabulary_now().await?;
        Ok((
            export::chunks(self.store.clone(), incident, vocabulary, format),
            format.content_type(),
        ))
    }
}
