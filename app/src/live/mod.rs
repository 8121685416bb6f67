//! The browser side of the event stream: one `EventSource` per tab, automatic reconnection with
//! `Last-Event-ID`, and `resync` when the server says we fell behind. Pages subscribe to the
//! messages; nothing here runs on the server. What travels on the stream is defined once, for
//! both ends, in `protocol`.

pub mod protocol;

use leptos::prelude::*;

pub use protocol::{FrameName, SettingKey, Topic, TopicList};

use crate::domain::{LiveEvent, Presence};

/// What the live badge shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveStatus {
    /// This page has nothing live (no stream open).
    Idle,
    Connecting,
    Connected,
    Reconnecting,
}

/// What a page receives.
#[derive(Clone, Debug)]
pub enum LiveMessage {
    Event(Box<LiveEvent>),
    /// Who has a room open now.
    Presence(Presence),
    /// We missed events: refetch the snapshot.
    Resync,
    /// The setting `key` is at `revision`: sent when the stream (re)connects and whenever an
    /// admin changes it. Pages holding an older revision refetch it.
    Settings {
        key: SettingKey,
        revision: u64,
    },
}

impl LiveMessage {
    /// Is the setting `key` newer than the `revision` a page holds?
    pub fn newer(&self, key: SettingKey, revision: u64) -> bool {
        matches!(self, LiveMessage::Settings { key: k, revision: r } if *k == key && *r > revision)
    }
}

#[cfg(feature = "hydrate")]
type Subscriber = std::rc::Rc<dyn Fn(&LiveMessage)>;

/// The tab's live connection. Its browser-only parts (the `EventSource`, the subscribers) exist
/// only in the wasm build: the server renders the page once and never streams into it.
#[derive(Clone, Copy)]
pub struct Live {
    pub status: RwSignal<LiveStatus>,
    #[cfg(feature = "hydrate")]
    subscribers: StoredValue<Vec<(u64, Subscriber)>, LocalStorage>,
    #[cfg(feature = "hydrate")]
    next_id: StoredValue<u64>,
    #[cfg(feature = "hydrate")]
    conn: StoredValue<Option<imp::Connection>, LocalStorage>,
    /// Bumped by every `follow`: a retry scheduled for an older stream gives up.
    #[cfg(feature = "hydrate")]
    generation: StoredValue<u64>,
    /// Every event carries the server's time: each one refines the page clock.
    #[cfg(feature = "hydrate")]
    clock: crate::clock::Clock,
}

pub fn provide_live() {
    provide_context(Live {
        status: RwSignal::new(LiveStatus::Connecting),
        #[cfg(feature = "hydrate")]
        subscribers: StoredValue::new_local(Vec::new()),
        #[cfg(feature = "hydrate")]
        next_id: StoredValue::new(0),
        #[cfg(feature = "hydrate")]
        conn: StoredValue::new_local(None),
        #[cfg(feature = "hydrate")]
        generation: StoredValue::new(0),
        #[cfg(feature = "hydrate")]
        clock: crate::clock::use_clock(),
    });
}

pub fn use_live() -> Live {
    expect_context::<Live>()
}

impl Live {
    /// Receive every live message while the calling component lives. (A no-op on the server.)
    pub fn subscribe(&self, f: impl Fn(&LiveMessage) + 'static) {
        #[cfg(not(feature = "hydrate"))]
        let _ = f;
        #[cfg(feature = "hydrate")]
        self.subscribe_in_browser(f);
    }

    #[cfg(feature = "hydrate")]
    fn subscribe_in_browser(&self, f: impl Fn(&LiveMessage) + 'static) {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        self.subscribers
            .update_value(|subs| subs.push((id, std::rc::Rc::new(f))));
        let subscribers = self.subscribers;
        on_cleanup(move || {
            subscribers.try_update_value(|subs| subs.retain(|(sid, _)| *sid != id));
        });
    }

    #[cfg(feature = "hydrate")]
    fn dispatch(&self, message: &LiveMessage) {
        // Clone the list first: a subscriber may (un)subscribe while handling the message.
        let subs: Vec<Subscriber> = self
            .subscribers
            .with_value(|subs| subs.iter().map(|(_, f)| f.clone()).collect());
        for f in subs {
            f(message);
        }
    }

    /// This page follows nothing: close the tab's stream. Browser only: call from an effect.
    pub fn stop(&self) {
        #[cfg(feature = "hydrate")]
        {
            self.generation.update_value(|g| *g += 1);
            self.conn.update_value(|c| *c = None);
        }
        self.status.set(LiveStatus::Idle);
    }

    /// Stream `topics`, starting after event `after` (the snapshot's `last_event_id`). Replaces the
    /// tab's current stream: one connection per tab. Browser only: call from an effect.
    pub fn follow(&self, topics: impl Into<TopicList>, after: i64) {
        let topics = topics.into();
        #[cfg(feature = "hydrate")]
        imp::follow(*self, topics, after);
        #[cfg(not(feature = "hydrate"))]
        let _ = (topics, after);
    }
}

#[cfg(feature = "hydrate")]
mod imp {
    use super::*;
    use wasm_bindgen::{closure::Closure, JsCast};
    use web_sys::{EventSource, MessageEvent};

    use crate::domain::EventPayload;

    /// How long to wait before reopening a stream the browser gave up on: doubling from the
    /// first to the last, so a server that is down is not hammered.
    const RETRY_FIRST_MS: u32 = 1_000;
    const RETRY_MAX_MS: u32 = 30_000;

    pub struct Connection {
        source: EventSource,
        topics: TopicList,
        last_id: i64,
        retry_ms: u32,
        _handlers: Vec<Closure<dyn FnMut(web_sys::Event)>>,
    }

    impl Drop for Connection {
        fn drop(&mut self) {
            self.source.close();
        }
    }

    pub fn follow(live: Live, topics: TopicList, after: i64) {
        live.status.set(LiveStatus::Connecting);
        live.generation.update_value(|g| *g += 1);
        live.conn.update_value(|c| *c = None);
        open(live, topics, after, RETRY_FIRST_MS);
    }

    fn open(live: Live, topics: TopicList, after: i64, retry_ms: u32) {
        let generation = live.generation.get_value();
        let url = format!(
            "/api/v1/stream?topics={}&after={after}",
            js_sys::encode_uri_component(&topics.to_string())
        );
        let source = match EventSource::new(&url) {
            Ok(s) => s,
            Err(_) => {
                live.status.set(LiveStatus::Reconnecting);
                return;
            }
        };
        let mut handlers: Vec<Closure<dyn FnMut(web_sys::Event)>> = Vec::new();

        let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            live.status.set(LiveStatus::Connected);
            live.conn.update_value(|c| {
                if let Some(c) = c.as_mut() {
                    c.retry_ms = RETRY_FIRST_MS;
                }
            });
        });
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        handlers.push(on_open);

        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            live.status.set(LiveStatus::Reconnecting);
            let closed = live.conn.with_value(|c| {
                c.as_ref()
                    .map(|c| c.source.ready_state() == EventSource::CLOSED)
                    .unwrap_or(false)
            });
            if closed {
                // The browser gave up (e.g. the server answered with an error): retry ourselves,
                // resuming after the last event we saw.
                let resume = live.conn.with_value(|c| {
                    c.as_ref()
                        .map(|c| (c.topics.clone(), c.last_id, c.retry_ms))
                });
                if let Some((topics, last_id, wait)) = resume {
                    gloo_timers::callback::Timeout::new(wait, move || {
                        // Navigated meanwhile: that page has its own stream.
                        if live.generation.get_value() != generation {
                            return;
                        }
                        live.conn.update_value(|c| *c = None);
                        open(live, topics, last_id, (wait * 2).min(RETRY_MAX_MS));
                    })
                    .forget();
                }
            }
        });
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        handlers.push(on_error);

        for kind in EventPayload::KINDS {
            let on_event = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
                let Some(msg) = ev.dyn_ref::<MessageEvent>() else {
                    return;
                };
                let Some(data) = msg.data().as_string() else {
                    return;
                };
                match crate::api::codec::parse::<LiveEvent>(&data) {
                    Ok(event) => {
                        let id = event.event.id;
                        live.conn.update_value(|c| {
                            if let Some(c) = c.as_mut() {
                                c.last_id = c.last_id.max(id);
                            }
                        });
                        live.clock.sync(event.server_time);
                        live.dispatch(&LiveMessage::Event(Box::new(event)));
                    }
                    Err(err) => {
                        leptos::logging::warn!("ignoring a live event we cannot read: {err}");
                    }
                }
            });
            let _ =
                source.add_event_listener_with_callback(kind, on_event.as_ref().unchecked_ref());
            handlers.push(on_event);
        }

        let on_presence = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
            let data = ev
                .dyn_ref::<MessageEvent>()
                .and_then(|m| m.data().as_string());
            if let Some(p) = data.and_then(|d| crate::api::codec::parse::<Presence>(&d).ok()) {
                live.dispatch(&LiveMessage::Presence(p));
            }
        });
        let _ = source.add_event_listener_with_callback(
            FrameName::Presence.as_str(),
            on_presence.as_ref().unchecked_ref(),
        );
        handlers.push(on_presence);

        let on_settings = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
            #[derive(serde::Deserialize)]
            struct Changed {
                key: SettingKey,
                revision: u64,
                server_time: chrono::DateTime<chrono::Utc>,
            }
            let data = ev
                .dyn_ref::<MessageEvent>()
                .and_then(|m| m.data().as_string());
            if let Some(changed) = data.and_then(|d| crate::api::codec::parse::<Changed>(&d).ok()) {
                live.clock.sync(changed.server_time);
                live.dispatch(&LiveMessage::Settings {
                    key: changed.key,
                    revision: changed.revision,
                });
            }
        });
        let _ = source.add_event_listener_with_callback(
            FrameName::Settings.as_str(),
            on_settings.as_ref().unchecked_ref(),
        );
        handlers.push(on_settings);

        let on_resync = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
            if let Some(id) = ev
                .dyn_ref::<MessageEvent>()
                .map(|m| m.last_event_id())
                .and_then(|id| id.parse::<i64>().ok())
            {
                live.conn.update_value(|c| {
                    if let Some(c) = c.as_mut() {
                        c.last_id = c.last_id.max(id);
                    }
                });
            }
            live.dispatch(&LiveMessage::Resync);
        });
        let _ = source.add_event_listener_with_callback(
            FrameName::Resync.as_str(),
            on_resync.as_ref().unchecked_ref(),
        );
        handlers.push(on_resync);

        live.conn.update_value(|c| {
            *c = Some(Connection {
                source,
                topics,
                last_id: after,
                retry_ms,
                _handlers: handlers,
            })
        });
    }
}
