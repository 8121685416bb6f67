//! PostgreSQL: the store for several instances behind a load balancer. Appends are serialised by
//! an advisory lock (so event ids become visible in order) and announced with NOTIFY; every
//! instance LISTENs and catches up from the last id it has seen.

use std::time::Duration;

use sqlx::postgres::{PgListener, PgPoolOptions};
use sqlx::PgPool;

use super::common::impl_store;
use super::{ChangeFeed, Channel, SessionBackend, StoreResult};

/// The NOTIFY channel. Notifications carry no payload: listeners re-read the events table.
pub const CHANNEL: &str = "sitrep_events";

pub struct PgStore {
    pub(crate) pool: PgPool,
}

impl PgStore {
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

    async fn change_feed(&self) -> StoreResult<Option<ChangeFeed>> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(CHANNEL).await?;
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        tokio::spawn(async move {
            loop {
                // `recv` reconnects by itself after a dropped connection; notifications sent
                // meanwhile are lost, which is fine: a reconnect is reported as a change too, and
                // readers catch up from the table.
                let outcome = listener.try_recv().await;
                let keep_going = match outcome {
                    Ok(_) => true,
                    Err(err) => {
                        tracing::warn!(%err, "PostgreSQL listener failed; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        true
                    }
                };
                if !keep_going || tx.is_closed() {
                    break;
                }
                // A full channel already holds a pending wake-up: coalesce.
                let _ = tx.try_send(());
            }
        });
        Ok(Some(ChangeFeed(rx)))
    }

    async fn notify(&self, channel: Channel, payload: &str) -> StoreResult<bool> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(channel.name())
            .bind(payload)
            .execute(&self.pool)
            .await?;
        Ok(true)
    }

    async fn listener(
        &self,
        channel: Channel,
    ) -> StoreResult<Option<tokio::sync::mpsc::Receiver<String>>> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(channel.name()).await?;
        let (tx, rx) = tokio::sync::mpsc::channel(256);
        tokio::spawn(async move {
            loop {
                match listener.try_recv().await {
                    Ok(Some(n)) => {
                        if tx.send(n.payload().to_owned()).await.is_err() {
                            break;
                        }
                    }
                    // Reconnected: announcements may have been missed. An empty word says so
                    // (presence catches up with the next heartbeat; settings re-read).
                    Ok(None) => {
                        if tx.send(String::new()).await.is_err() {
                            break;
                        }
                    }
                    Err(err) => {
                        tracing::warn!(%err, channel = channel.name(), "PostgreSQL listener failed; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
                if tx.is_closed() {
                    break;
                }
            }
        });
        Ok(Some(rx))
    }
}

impl_store!(
    PgStore,
    "postgres",
    before_append: Some("SELECT pg_advisory_xact_lock(7465821)"),
    after_append: Some("SELECT pg_notify('sitrep_events', '')")
);
