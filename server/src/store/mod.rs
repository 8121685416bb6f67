//! Storage: the `Store` trait and its two implementations, chosen by the scheme of `DATABASE_URL`.
//! Both run the same SQL where they can (see `common.rs`) and pass one shared test suite. One
//! event log holds every aggregate's history, a stream each (`Stream`); read models (incidents,
//! settings) are written in the same transaction as their events. How instances wake each other
//! is the small `broker::Broker`, apart from the data.

pub mod access;
pub mod broker;
mod common;
mod derived;
mod list;
pub mod postgres;
pub mod sessions;
pub mod sqlite;
pub mod tickets;

use std::sync::Arc;

use app::live::protocol::SettingKey;

use app::domain::{
    EventRecord, Incident, IncidentPage, IncidentQuery, RevisedPolicy, Service, ServiceInput,
    StatusCounts, User, UserRole,
};
use chrono::{DateTime, Utc};

pub use sessions::SessionBackend;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A write decided on a version its stream has left (every aggregate, one check).
    #[error("{} {id} changed meanwhile (it is now at version {actual})", stream.key())]
    Conflict {
        stream: Stream,
        id: i64,
        actual: i64,
    },
    #[error("{0} already exists")]
    Duplicate(String),
    #[error("not found")]
    NotFound,
    /// A caller's bug, refused before it could corrupt a history.
    #[error("refused an append out of step with its stream's version: {0}")]
    OutOfStep(String),
    #[error("corrupt data in the database: {0}")]
    Corrupt(String),
    #[error("unsupported database URL {0:?}: use sqlite://path/to/file.db or postgres://…")]
    UnsupportedUrl(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The user that is Sitrep itself (created by the migrations; it cannot sign in and is not in
/// `users()`).
pub const SYSTEM_EMAIL: &str = "sitrep@system.invalid";

/// A user to create; the password is already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: UserRole,
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

/// `AccessStore`: sign-in failures and API tokens (see `access.rs`).
#[async_trait::async_trait]
pub trait Store: access::AccessStore + tickets::TicketStore + Send + Sync + 'static {
    async fn migrate(&self) -> StoreResult<()>;

    async fn create_user(&self, user: &NewUser) -> StoreResult<User>;
    async fn credentials(&self, email: &str) -> StoreResult<Option<Credentials>>;
    async fn user(&self, id: i64) -> StoreResult<Option<User>>;
    async fn users(&self) -> StoreResult<Vec<User>>;
    /// Sets someone's team and on-call flag (the roster).
    async fn set_person(&self, id: i64, team: &str, on_call: bool) -> StoreResult<User>;
    /// A setting edited at run time (JSON) with its version, by key: the read model of its
    /// stream.
    async fn setting(&self, key: &str) -> StoreResult<Option<Setting>>;

    async fn incidents(&self) -> StoreResult<Vec<Incident>>;
    /// One page of the incidents list as `viewer_id` asks for it (`query` validated), in SQL
    /// over indexes: its cost follows the page, not the history.
    async fn incidents_page(
        &self,
        query: &IncidentQuery,
        viewer_id: i64,
    ) -> StoreResult<IncidentPage>;
    /// How many incidents are in each status (a read model kept by every commit).
    async fn status_counts(&self) -> StoreResult<StatusCounts>;
    async fn incident(&self, id: i64) -> StoreResult<Option<Incident>>;
    /// Atomically, for every change: check the incident is still at its `expected_version` (or
    /// create it when `None`), write its new state and append its events; and, if given, check
    /// `setting` is still at its expected version, write it and append its event. A stream that
    /// moved on is `StoreError::Conflict`, whatever the aggregate, and so is a change decided
    /// under an SLA policy revision that is no longer the stored one (`Change::new`). Keeps each
    /// written incident's role holdings and `sla_due` in the same transaction. Returns the stored
    /// incidents and events with their ids (assigned here), in the order given.
    async fn commit(
        &self,
        changes: &[Change],
        setting: Option<&SettingChange>,
    ) -> StoreResult<Vec<(Incident, Vec<EventRecord>)>>;

    /// `commit` of incidents only.
    async fn append_all(
        &self,
        changes: &[Change],
    ) -> StoreResult<Vec<(Incident, Vec<EventRecord>)>> {
        self.commit(changes, None).await
    }

    /// `append_all` for one incident, decided under `policy` (the SLA policy now).
    async fn append(
        &self,
        expected_version: Option<i64>,
        incident: &Incident,
        events: &[EventRecord],
        policy: &RevisedPolicy,
    ) -> StoreResult<(Incident, Vec<EventRecord>)> {
        let change = Change::new(expected_version, incident.clone(), events.to_vec(), policy);
        self.append_all(std::slice::from_ref(&change))
            .await?
            .pop()
            .ok_or_else(|| StoreError::Corrupt("an append returned nothing".into()))
    }
    /// Who holds a role in which open incident (`Status::is_active`), as `(user id, incident
    /// id)`, newest incident first: from the role holdings kept by `commit`.
    async fn holdings(&self) -> StoreResult<Vec<(i64, i64)>>;
    /// The open incidents in which someone holds one of `roles`, newest first.
    async fn open_incidents_holding(&self, roles: &[&str]) -> StoreResult<Vec<Incident>>;
    /// Up to `limit` incidents whose clocks can run (`Status::clocks_can_run`) with ids above
    /// `after`, in id order (read by status, through an index).
    async fn clocked_incidents(&self, after: i64, limit: i64) -> StoreResult<Vec<Incident>>;
    /// Up to `limit` incidents with a deadline (`sla_due`) at or before `by`, earliest first
    /// (then by id), with it; only those after the keyset `after` (a previous batch's last
    /// `(sla_due, id)`), so a sweep moves on past incidents it could not record.
    async fn sla_due_by(
        &self,
        by: DateTime<Utc>,
        after: Option<(DateTime<Utc>, i64)>,
        limit: i64,
    ) -> StoreResult<Vec<(DateTime<Utc>, Incident)>>;
    /// The earliest `sla_due` of any incident.
    async fn next_sla_due(&self) -> StoreResult<Option<DateTime<Utc>>>;
    /// Up to `limit` incidents whose `sla_due` was never computed (written before schema 10).
    async fn sla_pending(&self, limit: i64) -> StoreResult<Vec<Incident>>;
    /// Writes an incident's `sla_due` outside a commit (the backfill, the recorder correcting a
    /// stale one), if it is still at `version`; says whether it was.
    async fn set_sla_due(
        &self,
        id: i64,
        version: i64,
        due: Option<DateTime<Utc>>,
    ) -> StoreResult<bool>;

    /// One incident event by its id.
    async fn event(&self, id: i64) -> StoreResult<Option<EventRecord>>;

    /// The service catalog, by name.
    async fn services(&self) -> StoreResult<Vec<Service>>;
    async fn service(&self, id: i64) -> StoreResult<Option<Service>>;
    /// Adds (`id` is `None`) or replaces a service; the input is already validated.
    async fn save_service(&self, id: Option<i64>, input: &ServiceInput) -> StoreResult<Service>;
    /// Up to `limit` of an incident's events before stream version `before` (from the latest
    /// when `None`), newest first: one range of the `events (stream, stream_id, stream_version)`
    /// index, never the whole stream.
    async fn timeline_before(
        &self,
        incident_id: i64,
        before: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<EventRecord>>;
    /// Up to `limit` of an incident's events after stream version `after`, oldest first (the
    /// same index): the exports walk a timeline in these batches.
    async fn timeline_after(
        &self,
        incident_id: i64,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<EventRecord>>;
    /// The incident's events among `ids` (its pins), oldest first; others' are not found.
    async fn events_by_ids(&self, incident_id: i64, ids: &[i64]) -> StoreResult<Vec<EventRecord>>;
    /// The incident's events at these stream versions (notes' latest edits), oldest first.
    async fn events_at_versions(
        &self,
        incident_id: i64,
        versions: &[i64],
    ) -> StoreResult<Vec<EventRecord>>;
    /// A whole timeline, oldest first, read in batches. For tests and tools only: no request
    /// reads a whole timeline (the room pages it, the exports stream it).
    async fn timeline(&self, incident_id: i64) -> StoreResult<Vec<EventRecord>> {
        let mut all = Vec::new();
        loop {
            let after = all.last().map_or(0, |e: &EventRecord| e.incident_version);
            let batch = self.timeline_after(incident_id, after, 1000).await?;
            if batch.is_empty() {
                return Ok(all);
            }
            all.extend(batch);
        }
    }
    /// Events of every stream with id greater than `after`, oldest first, at most `limit`.
    async fn events_after(&self, after: i64, limit: i64) -> StoreResult<Vec<Logged>>;
    /// The events of `streams` with id greater than `after`, oldest first, at most `limit`:
    /// each stream is read through the `events (stream, stream_id, id)` index, so the rest of
    /// the log is never scanned. No streams, no events.
    async fn events_for(
        &self,
        after: i64,
        streams: &[StreamRef],
        limit: i64,
    ) -> StoreResult<Vec<Logged>>;
    async fn last_event_id(&self) -> StoreResult<i64>;

    /// Where sign-in sessions live.
    fn sessions(&self) -> SessionBackend;
    /// How instances wake and tell each other (PostgreSQL LISTEN/NOTIFY; nothing on SQLite).
    fn broker(&self) -> Arc<dyn broker::Broker>;
    async fn close(&self);
}

/// The streams of the event log: each aggregate's history is one stream, identified by its
/// kind and a number; versions count from 1 within it (a setting's from the revision it had
/// when migration 7 gave it a stream: 0 for a value saved before revisions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Incident,
    /// One stream per setting key (see `SETTINGS`).
    Settings,
    Ticket,
}

impl Stream {
    /// As stored in `events.stream`.
    pub fn key(self) -> &'static str {
        match self {
            Stream::Incident => "incident",
            Stream::Settings => "settings",
            Stream::Ticket => "ticket",
        }
    }

    pub fn parse(key: &str) -> Option<Stream> {
        [Stream::Incident, Stream::Settings, Stream::Ticket]
            .into_iter()
            .find(|s| s.key() == key)
    }
}

/// One stream of the event log: its kind and its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamRef {
    pub stream: Stream,
    pub id: i64,
}

impl StreamRef {
    pub fn incident(id: i64) -> StreamRef {
        StreamRef {
            stream: Stream::Incident,
            id,
        }
    }

    /// Every setting's stream.
    pub fn settings() -> impl Iterator<Item = StreamRef> {
        SETTINGS.iter().map(|(_, id)| StreamRef {
            stream: Stream::Settings,
            id: *id,
        })
    }
}

/// The settings key of the incident SLA policy an admin edited (the live protocol's: the
/// browser's too).
pub const SLA_POLICY: &str = SettingKey::SlaPolicy.as_str();
/// The settings key of the role catalog an admin edited.
pub const ROLE_CATALOG: &str = SettingKey::RoleCatalog.as_str();

/// The settings streams: a setting has a key, the event log numbers streams, so each key is
/// given its number once here (and in migration 0007) and keeps it; never reuse one.
pub const SETTINGS: [(&str, i64); 2] = [(SLA_POLICY, 1), (ROLE_CATALOG, 2)];

/// The stream number of the setting `key`.
pub fn setting_stream(key: &str) -> Option<i64> {
    SETTINGS.iter().find(|(k, _)| *k == key).map(|(_, id)| *id)
}

/// A setting as the read model holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// JSON written by the application.
    pub value: String,
    /// Its stream's version (the setting's revision): 0 for a value saved before revisions.
    pub version: i64,
}

/// One entry of the event log, whichever its stream.
// Nearly every entry is an incident's event: boxing it would cost an allocation each to save
// bytes on the rare setting.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Logged {
    Incident(EventRecord),
    /// A setting saved: `key` is now at `revision`.
    Setting {
        id: i64,
        key: &'static str,
        revision: u64,
    },
    Ticket(app::domain::TicketEventRecord),
    /// An event of a stream this release does not know (written by a newer instance during a
    /// rolling deploy): passed over, so that it cannot stall the pump or a replay.
    Unknown {
        id: i64,
    },
}

impl Logged {
    /// The global id (the SSE id).
    pub fn id(&self) -> i64 {
        match self {
            Logged::Incident(event) => event.id,
            Logged::Setting { id, .. } => *id,
            Logged::Ticket(event) => event.id,
            Logged::Unknown { id } => *id,
        }
    }
}

/// One incident's part of an atomic append. Made by `Change::new` only, which works out when
/// the breach recorder must next look at the incident: no write can leave `sla_due` stale.
#[derive(Debug, Clone)]
pub struct Change {
    pub expected_version: Option<i64>,
    pub incident: Incident,
    pub events: Vec<EventRecord>,
    /// `incident.sla_due` under the policy at `sla_revision`.
    sla_due: Option<DateTime<Utc>>,
    /// The revision of the SLA policy `sla_due` was computed under: the commit refuses the
    /// change (`StoreError::Conflict` on the policy's stream) when the policy has moved since.
    sla_revision: u64,
}

impl Change {
    pub fn new(
        expected_version: Option<i64>,
        incident: Incident,
        events: Vec<EventRecord>,
        policy: &RevisedPolicy,
    ) -> Change {
        Change {
            expected_version,
            sla_due: incident.sla_due(&policy.policy),
            sla_revision: policy.revision,
            incident,
            events,
        }
    }

    /// When the breach recorder must next look at the incident (`incidents.sla_due`).
    pub fn sla_due(&self) -> Option<DateTime<Utc>> {
        self.sla_due
    }
}

/// A setting written with incidents' changes: `value` becomes version `expected_version + 1`
/// (recorded as an event of its stream by `actor_id`); when the setting is no longer at
/// `expected_version` (0: never saved), nothing is written (`StoreError::Conflict`).
#[derive(Debug, Clone)]
pub struct SettingChange {
    pub key: String,
    pub expected_version: i64,
    pub value: String,
    pub actor_id: i64,
    /// The incidents the change was decided on without changing them, with what their clocks
    /// were computed from: if one's clocks would differ now (a severity change, a milestone),
    /// nothing is written (`StoreError::Conflict`) and the caller decides again. Notes and other
    /// changes that move no clock do not get in the way.
    pub decided_on: Vec<(i64, app::domain::ClockFacts)>,
}

/// Opens the store named by `url`: `sqlite://…` (created if missing) or `postgres://…`.
pub async fn open(url: &str) -> StoreResult<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::open(url).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(postgres::PgStore::open(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(url.to_owned()))
    }
}
