//! The default store: one embedded SQLite file (WAL, busy timeout, foreign keys on).

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

use super::common::impl_store;
use super::{SessionBackend, StoreResult};

pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
}

impl SqliteStore {
    /// Every append takes the write lock at once: a deferred transaction that read first
    /// could fail with SQLITE_BUSY_SNAPSHOT, which no busy timeout waits out.
    pub(crate) const BEGIN: &'static str = "BEGIN IMMEDIATE";
    /// One instance per SQLite file: nobody else appends, nobody to tell.
    pub(crate) const BEFORE_APPEND: Option<&'static str> = None;
    pub(crate) const AFTER_APPEND: Option<&'static str> = None;

    /// How a page's title search runs here (the bundled SQLite has FTS5).
    pub(crate) const TITLE_SEARCH: super::list::TitleSearch = super::list::TitleSearch::Fts5Trigram;

    /// Opens (creating the file and its directory if needed) the database at `url`.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Acknowledged means durable: a commit survives power loss, not only a crash.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        if let Some(dir) = options.get_filename().parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
            }
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        Ok(Self { pool })
    }

    async fn run_migrations(&self) -> StoreResult<()> {
        sqlx::migrate!("../migrations/sqlite")
            .run(&self.pool)
            .await?;
        self.session_backend().migrate().await?;
        Ok(())
    }

    fn session_backend(&self) -> SessionBackend {
        SessionBackend::Sqlite(tower_sessions_sqlx_store::SqliteStore::new(
            self.pool.clone(),
        ))
    }
}

impl_store!(
    SqliteStore,
    // One instance per SQLite file: nobody else appends, nobody to tell.
    broker: |_store: &SqliteStore| std::sync::Arc::new(super::broker::Alone)
);
