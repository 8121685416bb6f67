//! Live event fan-out.
//!
//! One pump task per instance reads newly committed events of every stream (incidents,
//! settings) from the store in id order and broadcasts each one, serialised once into a
//! ready-to-send SSE frame, to every subscriber. Writers only wake the pump; with PostgreSQL the
//! store's broker (LISTEN/NOTIFY) wakes it too, so events written by other instances reach this
//! instance's subscribers. Because the pump always catches up from the table, a lost wake-up or a
//! listener reconnect loses nothing.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use app::domain::{EventRecord, LiveEvent, LiveTicketEvent, TicketEventRecord};
use app::live::protocol::FrameName;
use axum::body::Bytes;
use tokio::sync::{broadcast, Notify};
use tokio_util::sync::CancellationToken;

use crate::store::{Logged, Store};

/// How many published events a slow subscriber may fall behind before it is told to resync.
pub const BUFFER: usize = 4096;
/// Read at most this many events per catch-up query.
const BATCH: i64 = 500;
/// Catch up even without a wake-up this often (belt and braces).
const POLL: Duration = Duration::from_secs(5);
/// Every stream sends a comment this often (proxies drop idle connections).
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// One published event. Cloning it (once per subscriber) only counts a reference to the frame.
#[derive(Debug, Clone)]
pub struct Published {
    pub id: i64,
    pub incident_id: i64,
    /// A ticket's event: the ticket's id (0 for anything else).
    pub ticket_id: i64,
    /// Does it change what the incidents list shows?
    pub summary: bool,
    /// For every stream whatever its topics (a setting saved; `incident_id` is 0).
    pub everyone: bool,
    /// The complete SSE frame: `id:`, `event:`, `data:`.
    pub frame: Bytes,
}

/// What every live stream of this instance receives, in order. One channel carries it all so
/// that a stream waits on exactly one receiver: delivering an event to N streams is N wake-ups
/// and nothing else (no per-stream timers, no second channel to poll).
#[derive(Debug, Clone)]
pub enum Message {
    /// A committed event.
    Event(Published),
    /// Who is in a room now: a complete `event: presence` frame.
    Presence { incident_id: i64, frame: Bytes },
    /// Time for a keep-alive comment.
    KeepAlive,
    /// Some sessions ended (signed out, expired): their streams end (see `session_watch.rs`).
    SessionsEnded,
    /// The server is shutting down: streams end.
    Closing,
}

#[derive(Clone)]
pub struct Bus {
    tx: broadcast::Sender<Message>,
    wake: Arc<Notify>,
    /// The id of the last event published (set before anyone hears of it).
    published: Arc<AtomicI64>,
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
            published: Arc::default(),
        }
    }

    /// The id of the last event this instance has published: what is kept in memory as of an
    /// earlier id may be out of date (`application::cache`).
    pub fn published(&self) -> i64 {
        self.published.load(Ordering::Acquire)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Message> {
        self.tx.subscribe()
    }

    /// Something was committed: publish it soon.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Sends one event to every subscriber (having none is fine).
    pub fn publish(&self, published: Published) {
        let _ = self.tx.send(Message::Event(published));
    }

    /// Sends a room's presence frame to every subscriber; those following the room forward it.
    pub fn publish_presence(&self, incident_id: i64, frame: Bytes) {
        let _ = self.tx.send(Message::Presence { incident_id, frame });
    }

    /// Tells every stream that some sessions ended: those whose session it was end.
    pub fn sessions_ended(&self) {
        let _ = self.tx.send(Message::SessionsEnded);
    }

    /// Ends every stream (shutdown).
    pub fn close(&self) {
        let _ = self.tx.send(Message::Closing);
    }

    /// Runs the pump until `cancel` fires, publishing every event after `cursor`.
    pub async fn run(self, store: Arc<dyn Store>, mut cursor: i64, cancel: CancellationToken) {
        self.published.store(cursor, Ordering::Release);
        let mut feed = match store.broker().wake_ups().await {
            Ok(feed) => feed,
            Err(err) => {
                tracing::warn!(%err, "no cross-instance change feed; relying on polling");
                None
            }
        };
        let mut keep_alive = tokio::time::interval(KEEP_ALIVE);
        keep_alive.reset();
        loop {
            tokio::select! {
                _ = cancel.cancelled() => {
                    self.close();
                    break;
                }
                _ = keep_alive.tick() => {
                    let _ = self.tx.send(Message::KeepAlive);
                    continue;
                }
                _ = self.wake.notified() => {}
                _ = async {
                    match feed.as_mut() {
                        Some(f) => { f.recv().await; }
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
                for entry in batch {
                    cursor = entry.id();
                    self.published.store(cursor, Ordering::Release);
                    if let Some(published) = publishable(entry) {
                        self.publish(published);
                    }
                }
                if !full {
                    break;
                }
            }
        }
    }
}

/// A setting an admin changed, and its revision now: what streams send as `event: settings`
/// (with the server's time), with the event's id when it comes from the log, without one when a
/// stream (re)connects and hears the current revisions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SettingChanged {
    /// A `SettingKey`'s name.
    pub key: String,
    pub revision: u64,
}

/// The `event: settings` frame saying `word` (without an `id:`: the current revisions).
pub fn settings_frame(word: &SettingChanged) -> Bytes {
    let name = FrameName::Settings;
    Bytes::from(format!("event: {name}\ndata: {}\n\n", settings_data(word)))
}

fn settings_data(word: &SettingChanged) -> serde_json::Value {
    serde_json::json!({
        "key": word.key,
        "revision": word.revision,
        "server_time": chrono::Utc::now(),
    })
}

/// Serialises an entry of the log once into its SSE frame (an incident's event with its Markdown
/// rendered; a setting saved as `event: settings`); `None` for an event of a stream this
/// release does not know.
pub fn publishable(entry: Logged) -> Option<Published> {
    Some(match entry {
        Logged::Unknown { .. } => return None,
        Logged::Incident(event) => publishable_event(event),
        Logged::Ticket(event) => publishable_ticket_event(event),
        Logged::Setting { id, key, revision } => {
            let data = settings_data(&SettingChanged {
                key: key.to_owned(),
                revision,
            });
            Published {
                id,
                incident_id: 0,
                ticket_id: 0,
                summary: false,
                everyone: true,
                frame: Bytes::from(format!(
                    "id: {id}\nevent: {}\ndata: {data}\n\n",
                    FrameName::Settings
                )),
            }
        }
    })
}

fn publishable_event(mut event: EventRecord) -> Published {
    crate::markdown::render_event(&mut event);
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
        ticket_id: 0,
        summary,
        everyone: false,
        frame: Bytes::from(format!("id: {id}\nevent: {kind}\ndata: {data}\n\n")),
    }
}

/// A ticket's event as its `event: ticket` frame (its message's Markdown rendered).
fn publishable_ticket_event(mut event: TicketEventRecord) -> Published {
    crate::markdown::render_ticket_event(&mut event);
    let id = event.id;
    let ticket_id = event.ticket_id;
    let live = LiveTicketEvent {
        event,
        server_time: chrono::Utc::now(),
    };
    let data = serde_json::to_string(&live).unwrap_or_else(|_| "{}".to_owned());
    Published {
        id,
        incident_id: 0,
        ticket_id,
        summary: false,
        everyone: false,
        frame: Bytes::from(format!(
            "id: {id}\nevent: {}\ndata: {data}\n\n",
            FrameName::Ticket
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::publishable;
    use crate::store::Logged;

    #[test]
    fn a_setting_saved_is_a_settings_frame_with_its_id_for_every_stream() {
        let published = publishable(Logged::Setting {
            id: 7,
            key: "sla_policy",
            revision: 3,
        })
        .expect("a known stream");
        assert!(published.everyone);
        let frame = std::str::from_utf8(&published.frame).unwrap();
        let data = frame
            .strip_prefix("id: 7\nevent: settings\ndata: ")
            .and_then(|d| d.strip_suffix("\n\n"))
            .unwrap_or_else(|| panic!("{frame:?}"));
        let data: serde_json::Value = serde_json::from_str(data).unwrap();
        assert_eq!(data["key"], "sla_policy");
        assert_eq!(data["revision"], 3);
        assert!(data["server_time"].is_string());
        // A stream a newer release writes is passed over, not published.
        assert!(publishable(Logged::Unknown { id: 8 }).is_none());
    }
}
