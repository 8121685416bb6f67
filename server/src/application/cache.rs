//! What nearly every request reads, kept in memory for a moment: the incidents list's answers
//! (`Pages`) and the signed-in users (`Reads::viewers`; their sessions are kept by
//! `store::sessions::RecentSessions`). A page of the list was five round trips to the database
//! (session, user, policy, rows, counts), each a hand-over to a database thread and back, which
//! is where its time went, and then the same fifty rows' clocks serialised again for everyone.
//!
//! A kept page answers only while nothing has happened since it was made: this instance's writer
//! drops every page right after its commit (whoever made a change reads it back), and a page
//! made before the pump published the latest event is out of date as soon as it is published
//! (so a change made on another instance reaches this one's list with its live event,
//! milliseconds later). And never for longer than [`PAGE_FOR`], should the pump stall.
//!
//! Also the time zones' offsets pages count business hours by (see `app::domain::sla::zone`).
//!
//! Settings and counts are not kept: a screen's snapshot pairs them with the event id its live
//! stream resumes after, and values older than that id would never be corrected.

use std::sync::atomic::{AtomicU64, Ordering};

use app::domain::sla::zone::{self, ZoneOffsets};
use app::domain::User;
use axum::body::Bytes;
use chrono::{Datelike, Utc};

use crate::live::bus::Bus;
use crate::store::sessions::RECENT_SESSION;

/// How long a kept page answers at most: its clocks are as of its `server_time`, at most this
/// old.
pub const PAGE_FOR: std::time::Duration = std::time::Duration::from_secs(1);

/// Where the log stood for a page being made: the last event this instance published, and how
/// many commits this instance had made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Made {
    published: i64,
    written: u64,
}

/// Answers everyone asks alike (the incidents list's pages, by their query), serialised.
pub struct Pages {
    bus: Bus,
    written: AtomicU64,
    kept: moka::sync::Cache<String, (Made, Bytes)>,
}

impl Pages {
    fn new(bus: &Bus) -> Self {
        Pages {
            bus: bus.clone(),
            written: AtomicU64::new(0),
            kept: moka::sync::Cache::builder()
                // Pages of 50 rows are some 60 KB.
                .weigher(|key: &String, (_, body): &(Made, Bytes)| {
                    u32::try_from(key.len() + body.len()).unwrap_or(u32::MAX)
                })
                .max_capacity(32 * 1024 * 1024)
                .time_to_live(PAGE_FOR)
                .build(),
        }
    }

    /// Where the log stands now: read it before reading what a page shows, pass it to `keep`.
    pub fn now(&self) -> Made {
        Made {
            published: self.bus.published(),
            written: self.written.load(Ordering::Acquire),
        }
    }

    /// The page kept for `key`, unless anything happened since it was made.
    pub fn get(&self, key: &str) -> Option<Bytes> {
        let (made, body) = self.kept.get(key)?;
        (made == self.now()).then_some(body)
    }

    /// Keeps `body` for `key`, made from what the database held at `made` (or later).
    pub fn keep(&self, key: String, made: Made, body: Bytes) {
        if made == self.now() {
            self.kept.insert(key, (made, body));
        }
    }

    /// This instance committed a change: no page made before answers again.
    pub fn drop_all(&self) {
        self.written.fetch_add(1, Ordering::AcqRel);
    }
}

/// The kept reads of one instance.
pub struct Reads {
    pub pages: Pages,
    /// Who is asking, by user id, for as long as their session is kept.
    pub viewers: moka::sync::Cache<i64, User>,
    /// Time zones' offsets as pages get them, by zone and year (finding them reads the
    /// database some twenty thousand times).
    zones: moka::sync::Cache<(String, i32), ZoneOffsets>,
}

impl Reads {
    pub fn new(bus: &Bus) -> Self {
        Reads {
            pages: Pages::new(bus),
            viewers: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(RECENT_SESSION)
                .build(),
            zones: moka::sync::Cache::new(64),
        }
    }

    /// The offsets of the zone named `name` for the years around now (`None`: no such zone; a
    /// stored policy was validated, so only one from an older database).
    pub fn zone_offsets(&self, name: &str) -> Option<ZoneOffsets> {
        let zone = zone::named(name).ok()?;
        let now = Utc::now();
        Some(self.zones.get_with((name.to_owned(), now.year()), || {
            ZoneOffsets::around(zone, now)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(s: &'static str) -> Bytes {
        Bytes::from_static(s.as_bytes())
    }

    #[test]
    fn a_page_answers_until_this_instance_writes() {
        let pages = Pages::new(&Bus::new());
        let made = pages.now();
        pages.keep("open".into(), made, body("[1]"));
        assert_eq!(pages.get("open"), Some(body("[1]")));
        assert_eq!(pages.get("all"), None, "another question");
        pages.drop_all();
        assert_eq!(pages.get("open"), None);
    }

    #[test]
    fn a_page_made_before_a_write_is_not_kept() {
        let pages = Pages::new(&Bus::new());
        let made = pages.now();
        // The rows are read; meanwhile a commit; then the page is done.
        pages.drop_all();
        pages.keep("open".into(), made, body("[1]"));
        assert_eq!(pages.get("open"), None);
    }
}
