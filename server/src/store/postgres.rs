//! PostgreSQL: the store for several instances behind a load balancer. Appends are serialised by
//! an advisory lock (so event ids become visible in order) and announced with NOTIFY; every
//! instance LISTENs and catches up from the last id it has seen.

use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

use super::broker::PgBroker;
use super::common::impl_store;
use super::{SessionBackend, StoreResult};

pub struct PgStore {
    pub(crate) pool: PgPool,
}

impl PgStore {
    pub(crate) const BEGIN: &'static str = "BEGIN";
    /// Appends one at a time, so event ids become visible in order.
    pub(crate) const BEFORE_APPEND: Option<&'static str> =
        Some("SELECT pg_advisory_xact_lock(7465821)");
    /// `broker::EVENTS_CHANNEL`, delivered on commit.
    pub(crate) const AFTER_APPEND: Option<&'static str> =
        Some("SELECT pg_notify('sitrep_events', '')");

    /// How a page's title search runs here (pg_trgm).
    pub(crate) const TITLE_SEARCH: super::list::TitleSearch = super::list::TitleSearch::TrigramLike;

    pub async fn open(url: &str) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        Ok(Self { pool })
    }

    async fn run_migrations(&self) -> StoreResult<()> {
        sqlx::migrate!("../migrations/postgres")
            .run(&self.pool)
            .await?;
        self.session_backend().migrate().await?;
        Ok(())
    }

    fn session_backend(&self) -> SessionBackend {
        SessionBackend::Postgres(tower_sessions_sqlx_store::PostgresStore::new(
            self.pool.clone(),
        ))
    }
}

impl_store!(
    PgStore,
    broker: |store: &PgStore| std::sync::Arc::new(PgBroker {
        pool: store.pool.clone()
    })
);
