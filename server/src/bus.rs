//! Live event fan-out.
//!
//! One pump task per instance reads newly committed events from the store in id order and
//! broadcasts each one, serialised once into a ready-to-send SSE frame, to every subscriber.
//! Writers only wake the pump; with PostgreSQL the store's LISTEN/NOTIFY feed wakes it too, so
//! events written by other instances reach this instance's subscribers. Because the pump always
//! catches up from the table, a lost wake-up or a listener reconnect loses nothing.

use std::sync::Arc;
use std::time::Duration;

use app::domain::{EventRecord, LiveEvent};
use axum::body::Bytes;
use tokio::sync::{broadcast, Notify};
use tokio_util::sync::CancellationToken;

use crate::store::Store;

/// How many published events a slow subscriber may fall behind before it is told to resync.
pub const BUFFER: usize = 4096;
/// Read at most this many events per catch-up query.
const BATCH: i64 = 500;
/// Catch up even without a wake-up this often (belt and braces).
const POLL: Duration = Duration::from_secs(5);

/// One published event, shared by every subscriber.
#[derive(Debug)]
pub struct Published {
    pub id: i64,
    pub incident_id: i64,
    /// Does it change what the incidents list shows?
    pub summary: bool,
    /// The complete SSE frame: `id:`, `event:`, `data:`.
    pub frame: Bytes,
}

#[derive(Clone)]
pub struct Bus {
    tx: broadcast::Sender<Arc<Published>>,
    wake: Arc<Notify>,
}

impl Default for Bus {
    fn default() -> Self {
        Self::new()
    }
}

impl Bus {
    pub fn new() -> Self {
        Self::with_capacity(BUFFER)
    }

    /// A bus whose subscribers may fall `capacity` events behind before they must resync.
    pub fn with_capacity(capacity: usize) -> Self {
        let (tx, _) = broadcast::channel(capacity.max(1));
        Self {
            tx,
            wake: Arc::new(Notify::new()),
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Published>> {
        self.tx.subscribe()
    }

    /// Something was committed: publish it soon.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Sends one event to every subscriber (having none is fine).
    pub fn publish(&self, published: Arc<Published>) {
        let _ = self.tx.send(published);
    }

    pub fn subscribers(&self) -> usize {
        self.tx.receiver_count()
    }

    /// Runs the pump until `cancel` fires, publishing every event after `cursor`.
    pub async fn run(self, store: Arc<dyn Store>, mut cursor: i64, cancel: CancellationToken) {
        let mut feed = match store.changes().await {
            Ok(feed) => feed,
            Err(err) => {
                tracing::warn!(%err, "no cross-instance change feed; relying on polling");
                None
            }
        };
        loop {
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = self.wake.notified() => {}
                _ = async {
                    match feed.as_mut() {
                        Some(f) => { f.0.recv().await; }
                        None => std::future::pending::<()>().await,
                    }
                } => {}
                _ = tokio::time::sleep(POLL) => {}
            }
            loop {
                let batch = match store.events_after(cursor, BATCH).await {
                    Ok(batch) => batch,
                    Err(err) => {
                        tracing::warn!(%err, "live pump cannot read events; retrying");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        break;
                    }
                };
                let full = batch.len() as i64 == BATCH;
                for event in batch {
                    cursor = event.id;
                    self.publish(Arc::new(publishable(event)));
                }
                if !full {
                    break;
                }
            }
        }
    }
}

/// Renders an event (Markdown included) and serialises it once into its SSE frame.
pub fn publishable(mut event: EventRecord) -> Published {
    crate::service::render(&mut event);
    let id = event.id;
    let incident_id = event.incident_id;
    let summary = event.payload.changes_summary();
    let kind = event.payload.kind();
    let live = LiveEvent {
        event,
        server_time: chrono::Utc::now(),
    };
    let data = serde_json::to_string(&live).unwrap_or_else(|_| "{}".to_owned());
    Published {
        id,
        incident_id,
        summary,
        frame: Bytes::from(format!("id: {id}\nevent: {kind}\ndata: {data}\n\n")),
    }
}
