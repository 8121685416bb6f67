//! Storage: the `Store` trait and its two implementations, chosen by the scheme of `DATABASE_URL`.
//! Both run the same SQL where they can (see `common.rs`) and pass one shared test suite.

pub mod access;
mod common;
pub mod postgres;
pub mod sessions;
pub mod sqlite;

use std::sync::Arc;

use app::domain::{EventRecord, Incident, Service, ServiceInput, User, UserRole};

pub use sessions::SessionBackend;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("incident {incident_id} changed meanwhile (it is now at version {actual})")]
    Conflict { incident_id: i64, actual: i64 },
    #[error("the setting {0} changed meanwhile")]
    SettingChanged(String),
    #[error("{0} already exists")]
    Duplicate(String),
    #[error("not found")]
    NotFound,
    /// A caller's bug, refused before it could corrupt a history.
    #[error("refused an append out of step with the incident's version: {0}")]
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
pub trait Store: access::AccessStore + Send + Sync + 'static {
    /// `sqlite` or `postgres`.
    fn kind(&self) -> &'static str;
    async fn migrate(&self) -> StoreResult<()>;

    async fn create_user(&self, user: &NewUser) -> StoreResult<User>;
    async fn credentials(&self, email: &str) -> StoreResult<Option<Credentials>>;
    async fn user(&self, id: i64) -> StoreResult<Option<User>>;
    async fn users(&self) -> StoreResult<Vec<User>>;
    /// Sets someone's team and on-call flag (the roster).
    async fn set_person(&self, id: i64, team: &str, on_call: bool) -> StoreResult<User>;
    /// A setting edited at run time (JSON), by key.
    async fn setting(&self, key: &str) -> StoreResult<Option<String>>;
    async fn put_setting(&self, key: &str, value: &str) -> StoreResult<()>;

    async fn incidents(&self) -> StoreResult<Vec<Incident>>;
    async fn incident(&self, id: i64) -> StoreResult<Option<Incident>>;
    /// Atomically, for every change: check the incident is still at its `expected_version` (or
    /// create it when `None`), write its new state and append its events; and write `setting`
    /// if given, when it still holds what it held when read. Returns the stored incidents and
    /// events with their ids (assigned here), in the order given.
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

    /// `append_all` for one incident.
    async fn append(
        &self,
        expected_version: Option<i64>,
        incident: &Incident,
        events: &[EventRecord],
    ) -> StoreResult<(Incident, Vec<EventRecord>)> {
        let change = Change {
            expected_version,
            incident: incident.clone(),
            events: events.to_vec(),
        };
        self.append_all(std::slice::from_ref(&change))
            .await?
            .pop()
            .ok_or_else(|| StoreError::Corrupt("an append returned nothing".into()))
    }
    /// One event by its id.
    async fn event(&self, id: i64) -> StoreResult<Option<EventRecord>>;

    /// The service catalog, by name.
    async fn services(&self) -> StoreResult<Vec<Service>>;
    async fn service(&self, id: i64) -> StoreResult<Option<Service>>;
    /// Adds (`id` is `None`) or replaces a service; the input is already validated.
    async fn save_service(&self, id: Option<i64>, input: &ServiceInput) -> StoreResult<Service>;
    async fn timeline(&self, incident_id: i64) -> StoreResult<Vec<EventRecord>>;
    /// Events with id greater than `after`, oldest first, at most `limit`.
    async fn events_after(&self, after: i64, limit: i64) -> StoreResult<Vec<EventRecord>>;
    async fn last_event_id(&self) -> StoreResult<i64>;

    /// Where sign-in sessions live.
    fn sessions(&self) -> SessionBackend;
    /// Resolves when another instance may have appended events (PostgreSQL LISTEN/NOTIFY).
    /// SQLite runs one instance, so it never resolves there.
    async fn changes(&self) -> StoreResult<Option<ChangeFeed>>;
    /// Tells every instance, this one included, `payload` on `channel` (PostgreSQL NOTIFY).
    /// Returns whether anyone was told: SQLite runs one instance, and tells nobody.
    async fn announce(&self, channel: Channel, payload: &str) -> StoreResult<bool>;
    /// What the instances announce on `channel` (`None` on SQLite: there are none).
    async fn feed(
        &self,
        channel: Channel,
    ) -> StoreResult<Option<tokio::sync::mpsc::Receiver<String>>>;
    async fn close(&self);
}

/// What instances tell each other besides events (which they read from the table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Who is in which room (see `presence.rs`).
    Presence,
    /// A setting an admin changed (its key): pages using it refetch it.
    Settings,
}

impl Channel {
    /// The PostgreSQL NOTIFY channel.
    pub fn name(self) -> &'static str {
        match self {
            Channel::Presence => "sitrep_presence",
            Channel::Settings => "sitrep_settings",
        }
    }
}

/// One incident's part of an atomic append.
#[derive(Debug, Clone)]
pub struct Change {
    pub expected_version: Option<i64>,
    pub incident: Incident,
    pub events: Vec<EventRecord>,
}

/// A setting written with incidents' changes: `value` replaces `expected` (`None`: not set yet);
/// when it no longer holds `expected`, nothing is written (`StoreError::SettingChanged`).
#[derive(Debug, Clone)]
pub struct SettingChange {
    pub key: String,
    pub expected: Option<String>,
    pub value: String,
    /// The incidents the change was decided on without changing them, with what their clocks
    /// were computed from: if one's clocks would differ now (a severity change, a milestone),
    /// nothing is written (`StoreError::Conflict`) and the caller decides again. Notes and other
    /// changes that move no clock do not get in the way.
    pub decided_on: Vec<(i64, app::domain::ClockFacts)>,
}

/// Notifications that some instance appended events.
pub struct ChangeFeed(pub tokio::sync::mpsc::Receiver<()>);

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
