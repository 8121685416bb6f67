//! Sign-in sessions, kept in the same database as everything else (tower-sessions' sqlx stores).

use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

#[derive(Debug, Clone)]
pub enum SessionBackend {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl SessionBackend {
    pub async fn migrate(&self) -> Result<(), sqlx::Error> {
        match self {
            SessionBackend::Sqlite(s) => s.migrate().await,
            SessionBackend::Postgres(s) => s.migrate().await,
        }
    }

    /// Removes sessions past their expiry.
    pub async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            SessionBackend::Sqlite(s) => s.delete_expired().await,
            SessionBackend::Postgres(s) => s.delete_expired().await,
        }
    }
}

#[async_trait::async_trait]
impl SessionStore for SessionBackend {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            SessionBackend::Sqlite(s) => s.create(record).await,
            SessionBackend::Postgres(s) => s.create(record).await,
        }
    }
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            SessionBackend::Sqlite(s) => s.save(record).await,
            SessionBackend::Postgres(s) => s.save(record).await,
        }
    }
    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            SessionBackend::Sqlite(s) => s.load(id).await,
            SessionBackend::Postgres(s) => s.load(id).await,
        }
    }
    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            SessionBackend::Sqlite(s) => s.delete(id).await,
            SessionBackend::Postgres(s) => s.delete(id).await,
        }
    }
}

/// How long a session read from the store answers from memory. A session signed out on this
/// instance is forgotten at once; one signed out on another instance still opens this one's
/// doors for at most this long (as long as its live streams run: `session_watch::CHECK_EVERY`).
pub const RECENT_SESSION: std::time::Duration = std::time::Duration::from_secs(2);

/// The session store the HTTP layer uses: the database's, in front of which the sessions of the
/// last [`RECENT_SESSION`] are kept in memory. A request's session was a round trip to the
/// database before anything else could start; most requests come in bursts from one browser.
#[derive(Debug, Clone)]
pub struct RecentSessions {
    store: SessionBackend,
    recent: moka::sync::Cache<Id, Record>,
    /// Sessions deleted through this store so far: a load that read a session before one was
    /// deleted does not keep what it read (it may be the one deleted).
    deleted: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl RecentSessions {
    pub fn new(store: SessionBackend) -> Self {
        RecentSessions {
            store,
            recent: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(RECENT_SESSION)
                .build(),
            deleted: Default::default(),
        }
    }

    fn deletions(&self) -> u64 {
        self.deleted.load(std::sync::atomic::Ordering::Acquire)
    }
}

#[async_trait::async_trait]
impl SessionStore for RecentSessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        self.store.create(record).await?;
        self.recent.insert(record.id, record.clone());
        Ok(())
    }
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        // The store's save writes the row whether or not it is there: a session signed out on
        // another instance, still kept here, must not be written back to life.
        if self.recent.contains_key(&record.id) && self.store.load(&record.id).await?.is_none() {
            self.recent.invalidate(&record.id);
            return Ok(());
        }
        self.store.save(record).await?;
        self.recent.insert(record.id, record.clone());
        Ok(())
    }
    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        if let Some(record) = self.recent.get(id) {
            if record.expiry_date > time::OffsetDateTime::now_utc() {
                return Ok(Some(record));
            }
            self.recent.invalidate(id);
        }
        let deletions = self.deletions();
        let record = self.store.load(id).await?;
        if let Some(record) = &record {
            if self.deletions() == deletions {
                self.recent.insert(*id, record.clone());
            }
        }
        Ok(record)
    }
    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.store.delete(id).await?;
        self.deleted
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        self.recent.invalidate(id);
        Ok(())
    }
}
