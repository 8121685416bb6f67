//! The page clock: one ticking signal for the whole tab, corrected by the difference between the
//! browser's clock and the server's.
//!
//! Time-dependent text renders from the server's time on both sides (the snapshot's
//! `server_time`) so hydration matches; once hydrated, one interval ticks every second and every
//! countdown is derived from it, recomputed from absolute instants (never decremented), so
//! background tabs never drift.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Clock {
    /// `None` until the browser starts ticking (and always `None` on the server).
    tick: RwSignal<Option<DateTime<Utc>>>,
    /// Server time minus browser time, in milliseconds; `None` until the first sample.
    offset_ms: StoredValue<Option<i64>>,
    started: StoredValue<bool>,
}

pub fn provide_clock() {
    provide_context(Clock {
        tick: RwSignal::new(None),
        offset_ms: StoredValue::new(None),
        started: StoredValue::new(false),
    });
}

pub fn use_clock() -> Clock {
    use_context::<Clock>().unwrap_or_else(|| {
        provide_clock();
        expect_context::<Clock>()
    })
}

impl Clock {
    /// The current time as the server sees it, falling back to `rendered_at` (the snapshot's
    /// server time) before the browser starts ticking. Reactive.
    pub fn now_or(&self, rendered_at: DateTime<Utc>) -> DateTime<Utc> {
        self.tick.get().unwrap_or(rendered_at)
    }

    /// Learn the server's time (from a snapshot or an event) and start ticking. Browser only:
    /// call from an effect or an event handler.
    ///
    /// A sample (`server_time` minus the browser's clock on arrival) is always too small by the
    /// time the message took to arrive, never too large, so the clock keeps the largest one: the
    /// first snapshot (rendered before the page downloaded) gives a rough offset, and every live
    /// event sharpens it.
    pub fn sync(&self, server_time: DateTime<Utc>) {
        #[cfg(feature = "hydrate")]
        {
            let sample = server_time.timestamp_millis() - js_sys::Date::now() as i64;
            self.offset_ms
                .update_value(|o| *o = Some(o.map_or(sample, |o| o.max(sample))));
            self.refresh();
            if !self.started.get_value() {
                self.started.set_value(true);
                let clock = *self;
                gloo_timers::callback::Interval::new(1_000, move || clock.refresh()).forget();
            }
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = (server_time, self.started, self.offset_ms);
        }
    }

    #[cfg(feature = "hydrate")]
    fn refresh(&self) {
        let ms = js_sys::Date::now() as i64 + self.offset_ms.get_value().unwrap_or(0);
        self.tick.set(DateTime::from_timestamp_millis(ms));
    }
}
