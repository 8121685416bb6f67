//! `GET /api/v1/stream`: server-sent events.
//!
//! Subscribe to the bus first, then replay from the table everything after the client's
//! `Last-Event-ID` (or `?after=`), then go live, dropping what the replay already sent. A
//! subscriber that falls behind the broadcast buffer gets `event: resync` and refetches its
//! snapshot. Frames are serialised once by the bus and shared by every subscriber; presence
//! frames, keep-alives and shutdown come through the same channel.

use app::live::protocol::{FrameName, Topic, TopicList};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use futures::Stream;
use serde::Deserialize;
use smallvec::SmallVec;
use tokio::sync::broadcast::error::RecvError;

use super::extract::ApiQuery;
use super::problem::ApiError;
use crate::live::bus::{publishable, Message, Published};
use crate::AppState;

/// Tells the client it missed events and must refetch its snapshot.
fn resync() -> Bytes {
    Bytes::from(format!("event: {}\ndata: {{}}\n\n", FrameName::Resync))
}
/// Events replayed per query while catching up.
const REPLAY_BATCH: i64 = 500;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// Comma-separated: `incidents` (every incident's summary changes), `incident:{id}`
    /// (everything that happens to one incident), `tickets` (every ticket's changes: the
    /// queue) and `ticket:{id}` (one ticket's).
    pub topics: Option<String>,
    /// Replay events after this id (the `Last-Event-ID` header wins when both are given).
    pub after: Option<i64>,
}

/// Which events a subscriber wants. Checked once per event per subscriber, so the ids are kept
/// inline (a stream follows one or two rooms): no pointer to chase, no hashing.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Topics {
    pub incidents: bool,
    pub incident_ids: SmallVec<[i64; 2]>,
    pub tickets: bool,
    pub ticket_ids: SmallVec<[i64; 2]>,
}

impl Topics {
    /// `?topics=` as the shared protocol reads it; the error is the 400's message.
    pub fn parse(raw: &str) -> Result<Topics, String> {
        let list: TopicList = raw.parse().map_err(|err| format!("{err}"))?;
        let mut topics = Topics::default();
        for topic in &list {
            match *topic {
                Topic::Incidents => topics.incidents = true,
                Topic::Incident(id) if topics.incident_ids.contains(&id) => {}
                Topic::Incident(id) => topics.incident_ids.push(id),
                Topic::Tickets => topics.tickets = true,
                Topic::Ticket(id) if topics.ticket_ids.contains(&id) => {}
                Topic::Ticket(id) => topics.ticket_ids.push(id),
            }
        }
        Ok(topics)
    }

    /// The streams a replay reads: the followed rooms' and the settings'. `None` for the
    /// `incidents` topic: the list wants every incident's changes, which is most of the log
    /// (only notes and annotations are skipped), so it keeps the scan in id order and filters
    /// with `changes_summary`, the one place that rule is written. Reading it by kind would
    /// need a copy of that rule in SQL and a merge of a range per summary kind to skip the few
    /// notes: not worth the second copy.
    /// Likewise `tickets`, which wants every ticket's events.
    pub fn replayed_streams(&self) -> Option<Vec<crate::store::StreamRef>> {
        if self.incidents || self.tickets {
            return None;
        }
        let rooms = self.incident_ids.iter().copied();
        let tickets = self.ticket_ids.iter().map(|&id| crate::store::StreamRef {
            stream: crate::store::Stream::Ticket,
            id,
        });
        Some(
            rooms
                .map(crate::store::StreamRef::incident)
                .chain(tickets)
                .chain(crate::store::StreamRef::settings())
                .collect(),
        )
    }

    pub fn wants(&self, incident_id: i64, summary: bool) -> bool {
        (self.incidents && summary) || self.incident_ids.contains(&incident_id)
    }

    pub fn wants_ticket(&self, ticket_id: i64) -> bool {
        self.tickets || self.ticket_ids.contains(&ticket_id)
    }

    /// Does this stream want `published`?
    pub fn wants_published(&self, published: &Published) -> bool {
        published.everyone
            || match published.ticket_id {
                0 => self.wants(published.incident_id, published.summary),
                ticket_id => self.wants_ticket(ticket_id),
            }
    }
}

#[utoipa::path(get, path = "/api/v1/stream", tag = "live", params(StreamQuery),
    responses((status = 200, content_type = "text/event-stream",
        description = "Server-sent events: `id:` is the global event id, `event:` its kind \
                       (or `resync`), `data:` a LiveEvent as JSON",
        body = app::domain::LiveEvent),
        (status = 400, body = super::problem::Problem), (status = 401, body = super::problem::Problem)))]
pub async fn stream(
    State(state): State<AppState>,
    viewer: Option<super::extract::CurrentUser>,
    token: Option<axum::Extension<super::session::ViaToken>>,
    session: tower_sessions::Session,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<StreamQuery>,
) -> Response {
    let topics = match Topics::parse(query.topics.as_deref().unwrap_or("")) {
        Ok(t) => t,
        Err(message) => {
            return ApiError(app::domain::AppError::bad_request(message)).into_response()
        }
    };
    let last_event_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let newest = match state.service.store.last_event_id().await {
        Ok(id) => id,
        Err(err) => return ApiError(err.into()).into_response(),
    };
    let (after, resync_first) = match last_event_id.or(query.after) {
        // A position we never reached (a restored database, a client from another install):
        // we cannot tell what it missed, so it refetches, and streams from now.
        Some(after) if after > newest => (newest, true),
        Some(after) => (after.max(0), false),
        // No position given: start from now.
        None => (newest, false),
    };
    // Following a room is being in it: the guards live as long as the stream.
    let here: Vec<crate::live::presence::Here> = match viewer {
        Some(super::extract::CurrentUser(user)) => topics
            .incident_ids
            .iter()
            .map(|id| {
                let who = app::domain::Actor {
                    id: user.id,
                    name: user.name.clone(),
                };
                state.presence.join(*id, who)
            })
            .collect(),
        None => Vec::new(),
    };
    // Subscribe before replaying, so nothing committed meanwhile slips between the two.
    let live = Live {
        rx: state.bus.subscribe(),
        // Subscribed after the bus said `Closing`: nothing more will come.
        closed: state.cancel.is_cancelled(),
        presence: state.presence.clone(),
        _here: here,
        // Signing out (or the session expiring), or revoking the token, ends the stream.
        session: match token {
            Some(axum::Extension(super::session::ViaToken(id))) => Some(
                state
                    .sessions
                    .watch(crate::live::session_watch::Holder::Token(id)),
            ),
            None => session.id().map(|id| {
                state
                    .sessions
                    .watch(crate::live::session_watch::Holder::Session(id))
            }),
        },
    };
    // Read after subscribing: a change saved meanwhile comes live as well (twice is harmless).
    let settings: Vec<Bytes> = match state.service.settings_now().await {
        Ok(words) => words.iter().map(crate::live::bus::settings_frame).collect(),
        Err(err) => {
            tracing::warn!(message = %err.message, "stream starts without the settings revisions");
            Vec::new()
        }
    };
    let store = state.service.store.clone();
    let start = Start {
        after,
        resync_first,
        settings,
    };
    let body = Body::from_stream(frames(store, live, topics, start));
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

/// What a stream keeps while it is live: only this, so that the few cache lines each event
/// touches per subscriber stay few.
struct Live {
    rx: tokio::sync::broadcast::Receiver<Message>,
    closed: bool,
    presence: crate::live::presence::Presence,
    /// Held until the stream ends: then this viewer leaves the rooms.
    _here: Vec<crate::live::presence::Here>,
    /// The session the stream was opened with (none for API tokens).
    session: Option<crate::live::session_watch::Watching>,
}

impl Live {
    fn session_ended(&self) -> bool {
        self.session.as_ref().is_some_and(|s| s.ended())
    }
}

/// Where a stream starts: after which event, whether the client must refetch first, and the
/// settings' current revisions (`event: settings` frames).
struct Start {
    after: i64,
    resync_first: bool,
    settings: Vec<Bytes>,
}

fn frames(
    store: std::sync::Arc<dyn crate::store::Store>,
    live: Live,
    topics: Topics,
    start: Start,
) -> impl Stream<Item = Result<Bytes, std::convert::Infallible>> {
    async_stream::stream! {
        let mut live = live;
        if live.closed {
            return;
        }
        let mut last = start.after;
        // Tell the client to retry quickly after a drop.
        yield Ok(Bytes::from_static(b"retry: 1000\n\n"));
        if start.resync_first {
            yield Ok(resync());
        }
        // What the settings are at now: a page that missed a change refetches it.
        for frame in start.settings {
            yield Ok(frame);
        }
        // Only the followed streams, through their index; the whole log for `incidents`.
        let streams = topics.replayed_streams();
        loop {
            let read = match &streams {
                Some(streams) => store.events_for(last, streams, REPLAY_BATCH).await,
                None => store.events_after(last, REPLAY_BATCH).await,
            };
            let batch = match read {
                Ok(batch) => batch,
                Err(err) => {
                    tracing::warn!(%err, "replay failed; ending the stream so the client retries");
                    return;
                }
            };
            let full = batch.len() as i64 == REPLAY_BATCH;
            for entry in batch {
                last = entry.id();
                // Read by stream, the batch is exactly what the topics want; read from the whole
                // log, it is filtered here.
                let wanted = streams.is_some() || match &entry {
                    crate::store::Logged::Incident(event) => {
                        topics.wants(event.incident_id, event.payload.changes_summary())
                    }
                    // Settings changes are for every stream.
                    crate::store::Logged::Setting { .. } => true,
                    crate::store::Logged::Ticket(event) => topics.wants_ticket(event.ticket_id),
                    crate::store::Logged::Unknown { .. } => false,
                };
                // Serialised only when wanted: a scan of the whole log passes most entries over.
                if let Some(published) = wanted.then(|| publishable(entry)).flatten() {
                    yield Ok(published.frame);
                }
            }
            if !full {
                break;
            }
        }
        // Who is in the followed rooms now; changes follow live.
        for id in &topics.incident_ids {
            yield Ok(live.presence.frame(*id));
        }
        drop(store);
        // Live: one receiver, one wake-up per message.
        loop {
            match live.rx.recv().await {
                Ok(Message::Event(published)) => {
                    if published.id <= last {
                        continue;
                    }
                    last = published.id;
                    if topics.wants_published(&published) {
                        yield Ok(published.frame);
                    }
                }
                Ok(Message::Presence { incident_id, frame }) => {
                    if topics.incident_ids.contains(&incident_id) {
                        yield Ok(frame);
                    }
                }
                Ok(Message::KeepAlive) => yield Ok(Bytes::from_static(b": keep-alive\n\n")),
                Ok(Message::SessionsEnded) if live.session_ended() => break,
                Ok(Message::SessionsEnded) => {}
                Ok(Message::Closing) | Err(RecvError::Closed) => break,
                Err(RecvError::Lagged(_)) if live.session_ended() => break,
                Err(RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "slow subscriber; asking it to resync");
                    yield Ok(resync());
                    // Presence frames may have been among the missed: send the current ones.
                    for id in &topics.incident_ids {
                        yield Ok(live.presence.frame(*id));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use futures::StreamExt;

    use super::{frames, Published, Topics};
    use crate::application::Service;
    use crate::live::bus::Bus;
    use crate::AppState;

    #[tokio::test]
    async fn a_subscriber_that_falls_behind_is_told_to_resync() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = crate::store::open(&url).await.unwrap();
        store.migrate().await.unwrap();
        let bus = Bus::with_capacity(2);
        let state = AppState {
            service: Service::new(store.clone(), bus.clone()),
            bus: bus.clone(),
            presence: crate::live::presence::Presence::new(bus.clone()),
            leptos: crate::leptos_options("target/site"),
            cancel: tokio_util::sync::CancellationToken::new(),
            secure_cookies: false,
            public_origin: None,
            sessions: crate::live::session_watch::SessionWatch::new(bus.clone()),
            body_timeout: crate::http::limits::BODY_TIMEOUT,
            sign_in: Default::default(),
            trusted_proxies: Vec::new().into(),
        };
        let topics = Topics::parse("incidents").unwrap();
        let live = super::Live {
            rx: bus.subscribe(),
            closed: false,
            presence: state.presence.clone(),
            _here: Vec::new(),
            session: None,
        };
        let start = super::Start {
            after: 0,
            resync_first: false,
            settings: Vec::new(),
        };
        let mut stream = Box::pin(frames(state.service.store.clone(), live, topics, start));
        // `retry:`, then the (empty) replay, then it waits for live events.
        let first = stream.next().await.unwrap().unwrap();
        assert!(first.starts_with(b"retry:"));
        assert!(
            tokio::time::timeout(Duration::from_millis(100), stream.next())
                .await
                .is_err()
        );

        // Five events arrive while the subscriber is not reading; it can hold two.
        for id in 1..=5 {
            bus.publish(Published {
                id,
                incident_id: 1,
                ticket_id: 0,
                summary: true,
                everyone: false,
                frame: format!("id: {id}\nevent: status_changed\ndata: {{}}\n\n").into(),
            });
        }
        let resync = stream.next().await.unwrap().unwrap();
        assert_eq!(&resync[..], b"event: resync\ndata: {}\n\n");
        // It then continues live with what the buffer still holds, in order, without gaps
        // being hidden: the client refetches its snapshot on `resync`.
        let next = stream.next().await.unwrap().unwrap();
        assert!(next.starts_with(b"id: 4\n"), "{next:?}");
        let next = stream.next().await.unwrap().unwrap();
        assert!(next.starts_with(b"id: 5\n"), "{next:?}");

        state.bus.close();
        assert!(stream.next().await.is_none(), "shutdown ends the stream");
        store.close().await;
    }

    #[test]
    fn parses_topics() {
        let t = Topics::parse("incidents, incident:4").unwrap();
        assert!(t.incidents);
        assert!(t.wants(4, false));
        assert!(t.wants(9, true));
        assert!(!t.wants(9, false));
        assert!(Topics::parse("incident:x")
            .unwrap_err()
            .contains("must be a number"));
        assert!(Topics::parse("weather")
            .unwrap_err()
            .contains("Unknown topic"));
        assert!(Topics::parse("").is_err());
    }
}
