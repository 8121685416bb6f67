//! Who has an incident room open right now.
//!
//! A browser is "in" a room while its event stream follows `incident:{id}`: the stream holds a
//! [`Here`] guard, and dropping it (the tab closed, the connection broke) is leaving. Each
//! change is sent to the room's local streams as a ready SSE frame (`event: presence`).
//!
//! Across instances (PostgreSQL), every instance announces its own viewers of a room when they
//! change, and all of them every [`HEARTBEAT`]; an instance that has not been heard from for
//! [`EXPIRY`] is forgotten (it crashed), so a room never shows ghosts for long.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::domain::{Actor, Presence as PresenceView};
use axum::body::Bytes;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::live::bus::Bus;
use crate::store::broker::Broker;

pub const HEARTBEAT: Duration = Duration::from_secs(10);
pub const EXPIRY: Duration = Duration::from_secs(30);

/// One instance's viewers of one room, as announced to the others.
#[derive(Debug, Serialize, Deserialize)]
pub struct Announcement {
    pub instance: String,
    pub incident_id: i64,
    pub viewers: Vec<Actor>,
}

#[derive(Default)]
struct State {
    /// incident -> user -> (who, open streams)
    local: HashMap<i64, BTreeMap<i64, (Actor, usize)>>,
    /// instance -> (last heard, incident -> viewers)
    remote: HashMap<String, (Instant, HashMap<i64, Vec<Actor>>)>,
    /// What each room's streams were last told, to send only changes.
    sent: HashMap<i64, Vec<Actor>>,
}

impl State {
    fn viewers(&self, incident_id: i64) -> Vec<Actor> {
        let mut all: BTreeMap<i64, Actor> = BTreeMap::new();
        if let Some(users) = self.local.get(&incident_id) {
            for (id, (actor, _)) in users {
                all.insert(*id, actor.clone());
            }
        }
        for (_, rooms) in self.remote.values() {
            for actor in rooms.get(&incident_id).into_iter().flatten() {
                all.insert(actor.id, actor.clone());
            }
        }
        let mut list: Vec<Actor> = all.into_values().collect();
        list.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        list
    }

    fn local_viewers(&self, incident_id: i64) -> Vec<Actor> {
        self.local
            .get(&incident_id)
            .map(|users| users.values().map(|(a, _)| a.clone()).collect())
            .unwrap_or_default()
    }
}

#[derive(Clone)]
pub struct Presence {
    instance: Arc<str>,
    state: Arc<Mutex<State>>,
    /// Frames go to the streams with the events.
    bus: Bus,
    /// Local changes to announce to other instances (incident ids).
    announce: tokio::sync::mpsc::UnboundedSender<i64>,
    announce_rx: Arc<Mutex<Option<tokio::sync::mpsc::UnboundedReceiver<i64>>>>,
}

impl Presence {
    /// Presence whose changes are sent to `bus`'s streams.
    pub fn new(bus: Bus) -> Self {
        let (announce, announce_rx) = tokio::sync::mpsc::unbounded_channel();
        Presence {
            instance: format!("{:016x}", rand::random::<u64>()).into(),
            state: Arc::new(Mutex::new(State::default())),
            bus,
            announce,
            announce_rx: Arc::new(Mutex::new(Some(announce_rx))),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind: keep going with it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `who` opened `incident_id`'s room; they are here until the guard is dropped.
    pub fn join(&self, incident_id: i64, who: Actor) -> Here {
        let user_id = who.id;
        {
            let mut state = self.lock();
            let entry = state
                .local
                .entry(incident_id)
                .or_default()
                .entry(user_id)
                .or_insert((who, 0));
            entry.1 += 1;
        }
        self.changed(incident_id, true);
        Here {
            presence: self.clone(),
            incident_id,
            user_id,
        }
    }

    fn leave(&self, incident_id: i64, user_id: i64) {
        {
            let mut state = self.lock();
            if let Some(users) = state.local.get_mut(&incident_id) {
                if let Some(entry) = users.get_mut(&user_id) {
                    entry.1 = entry.1.saturating_sub(1);
                    if entry.1 == 0 {
                        users.remove(&user_id);
                    }
                }
                if users.is_empty() {
                    state.local.remove(&incident_id);
                }
            }
        }
        self.changed(incident_id, true);
    }

    /// The current frame of a room (sent to a stream when it starts following the room).
    pub fn frame(&self, incident_id: i64) -> Bytes {
        let viewers = self.lock().viewers(incident_id);
        encode(incident_id, viewers)
    }

    /// Tell the room's streams if who is here changed; announce local changes to the others.
    fn changed(&self, incident_id: i64, local: bool) {
        let frame = {
            let mut state = self.lock();
            let viewers = state.viewers(incident_id);
            if state.sent.get(&incident_id) == Some(&viewers) {
                None
            } else {
                if viewers.is_empty() {
                    state.sent.remove(&incident_id);
                } else {
                    state.sent.insert(incident_id, viewers.clone());
                }
                Some(encode(incident_id, viewers))
            }
        };
        if let Some(bytes) = frame {
            // No receivers is fine: nobody is streaming.
            self.bus.publish_presence(incident_id, bytes);
        }
        if local {
            let _ = self.announce.send(incident_id);
        }
    }

    /// Another instance's viewers of a room.
    pub fn heard(&self, a: Announcement) {
        if *a.instance == *self.instance {
            return;
        }
        {
            let mut state = self.lock();
            let entry = state
                .remote
                .entry(a.instance)
                .or_insert_with(|| (Instant::now(), HashMap::new()));
            entry.0 = Instant::now();
            if a.viewers.is_empty() {
                entry.1.remove(&a.incident_id);
            } else {
                entry.1.insert(a.incident_id, a.viewers);
            }
        }
        self.changed(a.incident_id, false);
    }

    /// Forgets instances not heard from for `EXPIRY`.
    fn expire(&self) {
        let gone: Vec<i64> = {
            let mut state = self.lock();
            let mut rooms = Vec::new();
            state.remote.retain(|_, (heard, r)| {
                let alive = heard.elapsed() < EXPIRY;
                if !alive {
                    rooms.extend(r.keys().copied());
                }
                alive
            });
            rooms
        };
        for incident_id in gone {
            self.changed(incident_id, false);
        }
    }

    /// Announces and hears presence through the broker (PostgreSQL NOTIFY) until cancelled. On
    /// SQLite (one instance) there is nobody to tell, and this returns at once.
    pub async fn run(self, broker: Arc<dyn Broker>, cancel: CancellationToken) {
        let Some(mut rx) = self.lock_announcements() else {
            return;
        };
        let mut feed = match broker.listen().await {
            Ok(Some(feed)) => feed,
            Ok(None) => return,
            Err(err) => {
                tracing::warn!(%err, "presence will not cross instances");
                return;
            }
        };
        let mut heartbeat = tokio::time::interval(HEARTBEAT);
        loop {
            tokio::select! {
                _ = cancel.cancelled() => break,
                Some(incident_id) = rx.recv() => {
                    let viewers = self.lock().local_viewers(incident_id);
                    self.send(&*broker, incident_id, viewers).await;
                }
                // Empty: the listener reconnected; the next heartbeats catch up.
                Some(payload) = feed.recv() => {
                    if payload.is_empty() {
                        continue;
                    }
                    match serde_json::from_str::<Announcement>(&payload) {
                        Ok(a) => self.heard(a),
                        Err(err) => tracing::warn!(%err, "ignoring a presence announcement"),
                    }
                }
                _ = heartbeat.tick() => {
                    self.expire();
                    let rooms: Vec<(i64, Vec<Actor>)> = {
                        let state = self.lock();
                        state.local.keys().map(|id| (*id, state.local_viewers(*id))).collect()
                    };
                    for (incident_id, viewers) in rooms {
                        self.send(&*broker, incident_id, viewers).await;
                    }
                }
            }
        }
    }

    fn lock_announcements(&self) -> Option<tokio::sync::mpsc::UnboundedReceiver<i64>> {
        self.announce_rx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    async fn send(&self, broker: &dyn Broker, incident_id: i64, viewers: Vec<Actor>) {
        let a = Announcement {
            instance: self.instance.to_string(),
            incident_id,
            viewers,
        };
        match serde_json::to_string(&a) {
            Ok(payload) => {
                if let Err(err) = broker.announce(&payload).await {
                    tracing::warn!(%err, "could not announce presence");
                }
            }
            Err(err) => tracing::warn!(%err, "could not encode presence"),
        }
    }
}

fn encode(incident_id: i64, viewers: Vec<Actor>) -> Bytes {
    let data = serde_json::to_string(&PresenceView {
        incident_id,
        viewers,
    })
    .unwrap_or_else(|_| "{}".to_owned());
    let name = app::live::protocol::FrameName::Presence;
    Bytes::from(format!("event: {name}\ndata: {data}\n\n"))
}

/// Being in a room: dropping it is leaving.
pub struct Here {
    presence: Presence,
    incident_id: i64,
    user_id: i64,
}

impl Drop for Here {
    fn drop(&mut self) {
        self.presence.leave(self.incident_id, self.user_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(id: i64, name: &str) -> Actor {
        Actor {
            id,
            name: name.into(),
        }
    }

    fn names(p: &Presence, incident: i64) -> Vec<String> {
        p.lock()
            .viewers(incident)
            .into_iter()
            .map(|a| a.name)
            .collect()
    }

    #[tokio::test]
    async fn people_arrive_and_leave_once_per_person() {
        let bus = Bus::new();
        let p = Presence::new(bus.clone());
        let mut frames = bus.subscribe();
        let a1 = p.join(7, actor(1, "Iris"));
        let a2 = p.join(7, actor(1, "Iris")); // a second tab
        let b = p.join(7, actor(2, "Sam"));
        assert_eq!(names(&p, 7), ["Iris", "Sam"]);
        drop(a1);
        assert_eq!(names(&p, 7), ["Iris", "Sam"], "Iris still has a tab open");
        drop(a2);
        assert_eq!(names(&p, 7), ["Sam"]);
        drop(b);
        assert!(names(&p, 7).is_empty());
        // Frames only for changes: Iris, Iris+Sam, Sam, nobody.
        let mut seen = Vec::new();
        while let Ok(message) = frames.try_recv() {
            if let crate::live::bus::Message::Presence { incident_id, frame } = message {
                assert_eq!(incident_id, 7);
                seen.push(String::from_utf8_lossy(&frame).into_owned());
            }
        }
        assert_eq!(seen.len(), 4, "{seen:?}");
        assert!(seen[3].contains("\"viewers\":[]"));
    }

    #[tokio::test]
    async fn other_instances_count_until_they_go_quiet() {
        let p = Presence::new(Bus::new());
        p.heard(Announcement {
            instance: "other".into(),
            incident_id: 7,
            viewers: vec![actor(3, "Riley")],
        });
        let _here = p.join(7, actor(1, "Iris"));
        assert_eq!(names(&p, 7), ["Iris", "Riley"]);
        p.lock().remote.get_mut("other").unwrap().0 = Instant::now() - EXPIRY;
        p.expire();
        assert_eq!(names(&p, 7), ["Iris"]);
    }
}
