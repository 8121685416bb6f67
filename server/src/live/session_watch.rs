//! Ends the live streams of sessions that ended: signed out (on any instance) or expired, and of
//! API tokens that were revoked.
//!
//! Each stream registers its session (or token) here. One task per instance looks the open streams'
//! sessions up in the session store every [`CHECK_EVERY`] (and at once after a sign-out on this
//! instance); for each one that is gone it raises the streams' flag and tells them over the bus.
//! The store is the truth every instance shares, so nothing needs announcing between instances,
//! and a missed message costs nothing: a stream also reads its flag when it falls behind.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tower_sessions::session::Id;
use tower_sessions::SessionStore;

use crate::auth::SESSION_USER;
use crate::live::bus::Bus;
use crate::store::sessions::SessionBackend;
use crate::store::Store;

/// How often the open streams' sessions are looked up.
pub const CHECK_EVERY: Duration = Duration::from_secs(2);

/// What a stream was opened with: a sign-in session, or an API token (by its id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Holder {
    Session(Id),
    Token(i64),
}

struct Entry {
    ended: Arc<AtomicBool>,
    streams: usize,
}

#[derive(Clone)]
pub struct SessionWatch {
    open: Arc<Mutex<HashMap<Holder, Entry>>>,
    wake: Arc<Notify>,
    bus: Bus,
}

/// A stream's hold on its session; dropped when the stream ends.
pub struct Watching {
    watch: SessionWatch,
    id: Holder,
    ended: Arc<AtomicBool>,
}

impl Watching {
    /// Has the session ended (the stream must end too)?
    pub fn ended(&self) -> bool {
        self.ended.load(Ordering::Relaxed)
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let mut open = self.watch.lock();
        if let Some(entry) = open.get_mut(&self.id) {
            entry.streams -= 1;
            if entry.streams == 0 {
                open.remove(&self.id);
            }
        }
    }
}

impl SessionWatch {
    pub fn new(bus: Bus) -> Self {
        SessionWatch {
            open: Arc::default(),
            wake: Arc::new(Notify::new()),
            bus,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Holder, Entry>> {
        // Plain data: a panic while holding the lock leaves nothing half-done.
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A stream of session (or token) `id` opened.
    pub fn watch(&self, id: Holder) -> Watching {
        let mut open = self.lock();
        let entry = open.entry(id).or_insert_with(|| Entry {
            ended: Arc::new(AtomicBool::new(false)),
            streams: 0,
        });
        entry.streams += 1;
        Watching {
            watch: self.clone(),
            id,
            ended: entry.ended.clone(),
        }
    }

    /// A session ended here: look now rather than at the next round.
    pub fn check_soon(&self) {
        self.wake.notify_one();
    }

    /// Looks the open streams' sessions up until `cancel` fires.
    pub async fn run(
        self,
        sessions: SessionBackend,
        store: Arc<dyn Store>,
        cancel: CancellationToken,
    ) {
        loop {
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = tokio::time::sleep(CHECK_EVERY) => {}
                _ = self.wake.notified() => {}
            }
            let ids: Vec<Holder> = self
                .lock()
                .iter()
                .filter(|(_, e)| !e.ended.load(Ordering::Relaxed))
                .map(|(id, _)| *id)
                .collect();
            let mut any = false;
            for id in ids {
                let alive = match id {
                    Holder::Session(session) => match sessions.load(&session).await {
                        Ok(Some(record)) => Ok(record.data.contains_key(SESSION_USER)),
                        Ok(None) => Ok(false),
                        Err(err) => Err(err.to_string()),
                    },
                    Holder::Token(token) => match store.token(token).await {
                        Ok(found) => Ok(found.is_some()),
                        Err(err) => Err(err.to_string()),
                    },
                };
                let alive = alive.unwrap_or_else(|err| {
                    // Unknown is not gone: look again next round.
                    tracing::debug!(%err, "cannot look a session or token up");
                    true
                });
                if !alive {
                    if let Some(entry) = self.lock().get(&id) {
                        entry.ended.store(true, Ordering::Relaxed);
                        any = true;
                    }
                }
            }
            if any {
                self.bus.sessions_ended();
            }
        }
    }
}
