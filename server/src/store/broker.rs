//! How instances of one database wake and tell each other, apart from the data: a small trait
//! beside `Store`. PostgreSQL, shared by several instances, uses LISTEN/NOTIFY; SQLite serves one
//! instance, so its broker tells nobody and hears nothing.

use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::sync::mpsc;

use super::StoreResult;

/// Wakes the pumps of every instance. Sent by the appending transaction itself (see
/// `postgres.rs`), so it is delivered on commit; notifications carry no payload: listeners re-read
/// the events table.
pub const EVENTS_CHANNEL: &str = "sitrep_events";
/// Who is in which room (see `live/presence.rs`).
pub const PRESENCE_CHANNEL: &str = "sitrep_presence";

#[async_trait::async_trait]
pub trait Broker: Send + Sync + 'static {
    /// A message (coalesced) whenever another instance may have appended events; `None` when no
    /// other instance can.
    async fn wake_ups(&self) -> StoreResult<Option<mpsc::Receiver<()>>>;
    /// Tells every instance, this one included, who is in a room (`payload`). Returns whether
    /// anyone was told.
    async fn announce(&self, payload: &str) -> StoreResult<bool>;
    /// What the instances announce; an empty word after a reconnect (words may have been
    /// missed). `None` when there are no other instances.
    async fn listen(&self) -> StoreResult<Option<mpsc::Receiver<String>>>;
}

/// One instance alone (SQLite): nobody to tell, nothing to hear.
pub struct Alone;

#[async_trait::async_trait]
impl Broker for Alone {
    async fn wake_ups(&self) -> StoreResult<Option<mpsc::Receiver<()>>> {
        Ok(None)
    }

    async fn announce(&self, _payload: &str) -> StoreResult<bool> {
        Ok(false)
    }

    async fn listen(&self) -> StoreResult<Option<mpsc::Receiver<String>>> {
        Ok(None)
    }
}

/// PostgreSQL LISTEN/NOTIFY.
pub struct PgBroker {
    pub(crate) pool: PgPool,
}

impl PgBroker {
    /// Forwards what `channel` hears to a receiver, as `word` of the payload (`None` after a
    /// reconnect). `PgListener` reconnects by itself; what was sent meanwhile is lost, which every
    /// listener copes with (the pump re-reads the table, presence has heartbeats). `coalesce`:
    /// a word that finds the receiver full is dropped (it already has one pending).
    async fn forward<T: Send + 'static>(
        &self,
        channel: &'static str,
        capacity: usize,
        coalesce: bool,
        word: fn(Option<&str>) -> T,
    ) -> StoreResult<mpsc::Receiver<T>> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(channel).await?;
        let (tx, rx) = mpsc::channel(capacity);
        tokio::spawn(async move {
            while !tx.is_closed() {
                match listener.try_recv().await {
                    Ok(heard) => {
                        let word = word(heard.as_ref().map(|n| n.payload()));
                        let closed = if coalesce {
                            matches!(tx.try_send(word), Err(mpsc::error::TrySendError::Closed(_)))
                        } else {
                            tx.send(word).await.is_err()
                        };
                        if closed {
                            break;
                        }
                    }
                    Err(err) => {
                        tracing::warn!(%err, channel, "PostgreSQL listener failed; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(rx)
    }
}

#[async_trait::async_trait]
impl Broker for PgBroker {
    async fn wake_ups(&self) -> StoreResult<Option<mpsc::Receiver<()>>> {
        // A reconnect is a wake-up too: the pump catches up from the table.
        Ok(Some(self.forward(EVENTS_CHANNEL, 1, true, |_| ()).await?))
    }

    async fn announce(&self, payload: &str) -> StoreResult<bool> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(PRESENCE_CHANNEL)
            .bind(payload)
            .execute(&self.pool)
            .await?;
        Ok(true)
    }

    async fn listen(&self) -> StoreResult<Option<mpsc::Receiver<String>>> {
        let words = self
            .forward(PRESENCE_CHANNEL, 256, false, |heard| {
                heard.unwrap_or_default().to_owned()
            })
            .await?;
        Ok(Some(words))
    }
}
