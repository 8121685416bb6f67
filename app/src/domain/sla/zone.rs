//! Time zones as the business-hours calendar reads them: the UTC offset in force at an instant,
//! and so the local date of an instant and the instant a local time falls on.
//!
//! The server reads the IANA database (chrono-tz). The browser has no copy of it: its tables are
//! a megabyte of every visitor's download, for a countdown that needs one zone's offsets over a
//! few years. So the server sends, with each SLA policy it gives a page, the offsets of the
//! policy's zone for the years around now ([`ZoneOffsets`]), and the browser counts with those.
//! Both count with the arithmetic of [`ZoneRules`] on the same offsets, so their deadlines agree.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the calendar needs of a time zone.
pub trait ZoneRules {
    /// Seconds east of UTC in force at `at`.
    fn offset_at(&self, at: DateTime<Utc>) -> i32;

    /// The wall-clock time at `at`.
    fn local(&self, at: DateTime<Utc>) -> NaiveDateTime {
        at.naive_utc() + Duration::seconds(i64::from(self.offset_at(at)))
    }

    /// The earliest instant whose wall-clock time is `local`; `None` in a gap (a local time the
    /// clocks jump over).
    fn earliest(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        let read_as_utc = local.and_utc();
        // Offsets run from -12 to +14 hours, so the instant is within a day of `local` read as
        // UTC, and zones change offset at most once in two days: the offset it has is the one
        // in force a day before or a day after.
        [
            read_as_utc - Duration::days(1),
            read_as_utc + Duration::days(1),
        ]
        .into_iter()
        .filter_map(|probe| {
            let offset = self.offset_at(probe);
            let at = read_as_utc - Duration::seconds(i64::from(offset));
            (self.offset_at(at) == offset).then_some(at)
        })
        .min()
    }
}

#[cfg(feature = "ssr")]
impl ZoneRules for chrono_tz::Tz {
    fn offset_at(&self, at: DateTime<Utc>) -> i32 {
        use chrono::{Offset, TimeZone};
        self.offset_from_utc_datetime(&at.naive_utc())
            .fix()
            .local_minus_utc()
    }
}

/// A change of offset: from `at` (Unix seconds) on, `offset` seconds east of UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OffsetChange {
    pub at: i64,
    pub offset: i32,
}

/// One zone's offsets over a window of years: what a page counts business time by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ZoneOffsets {
    /// The zone's IANA name.
    pub name: String,
    /// The offset before the first change (outside the window, the nearest offset inside it).
    pub initial: i32,
    /// The changes inside the window, in order.
    pub changes: Vec<OffsetChange>,
}

impl ZoneRules for ZoneOffsets {
    fn offset_at(&self, at: DateTime<Utc>) -> i32 {
        let t = at.timestamp();
        match self.changes.partition_point(|c| c.at <= t) {
            0 => self.initial,
            n => self.changes[n - 1].offset,
        }
    }
}

impl<Z: ZoneRules + ?Sized> ZoneRules for std::sync::Arc<Z> {
    fn offset_at(&self, at: DateTime<Utc>) -> i32 {
        (**self).offset_at(at)
    }
}

/// Years before and after now that a page's offsets cover. Before the window a page counts by
/// the offset at its start, so the business clocks of an incident open for longer than this
/// may show a deadline an hour from the server's (long past by then).
#[cfg(feature = "ssr")]
const YEARS_BEFORE: i32 = 10;
#[cfg(feature = "ssr")]
const YEARS_AFTER: i32 = 12;

#[cfg(feature = "ssr")]
impl ZoneOffsets {
    /// The offsets of `zone` from `YEARS_BEFORE` years before `now`'s year to `YEARS_AFTER`
    /// after (deadlines are searched up to ten years ahead).
    pub fn around(zone: chrono_tz::Tz, now: DateTime<Utc>) -> ZoneOffsets {
        use chrono::{Datelike, TimeZone};
        let year = |y: i32| {
            Utc.with_ymd_and_hms(y, 1, 1, 0, 0, 0)
                .single()
                .unwrap_or(now)
        };
        let (from, to) = (
            year(now.year() - YEARS_BEFORE),
            year(now.year() + YEARS_AFTER),
        );
        // Sampled every six hours (no zone changes twice in that long), each change then found
        // to the second.
        let step = Duration::hours(6);
        let initial = zone.offset_at(from);
        let mut changes = Vec::new();
        let (mut at, mut offset) = (from, initial);
        while at < to {
            let next = at + step;
            let next_offset = zone.offset_at(next);
            if next_offset != offset {
                let (mut before, mut after) = (at, next);
                while after - before > Duration::seconds(1) {
                    let mid = before + (after - before) / 2;
                    if zone.offset_at(mid) == offset {
                        before = mid;
                    } else {
                        after = mid;
                    }
                }
                changes.push(OffsetChange {
                    at: after.timestamp(),
                    offset: next_offset,
                });
                offset = next_offset;
            }
            at = next;
        }
        ZoneOffsets {
            name: zone.name().to_owned(),
            initial,
            changes,
        }
    }
}

/// A zone by its IANA name, or why not: the server reads the database.
#[cfg(feature = "ssr")]
pub fn named(name: &str) -> Result<chrono_tz::Tz, String> {
    name.parse::<chrono_tz::Tz>().map_err(|_| unknown(name))
}

/// A zone by its IANA name, or why not: the browser knows the zones the server sent it.
#[cfg(not(feature = "ssr"))]
pub fn named(name: &str) -> Result<std::sync::Arc<ZoneOffsets>, String> {
    browser::offsets(name).ok_or_else(|| unknown(name))
}

/// Is `name` a zone? On the server, by the database; in the browser, by the list the server
/// sent the page that asks (the SLA screen), or the zones whose offsets it sent.
pub fn exists(name: &str) -> bool {
    #[cfg(feature = "ssr")]
    {
        named(name).is_ok()
    }
    #[cfg(not(feature = "ssr"))]
    {
        browser::is_listed(name) || browser::offsets(name).is_some()
    }
}

pub(crate) fn unknown(name: &str) -> String {
    format!(
        "Unknown time zone \"{name}\": use an IANA name such as Europe/Berlin or America/New_York."
    )
}

/// Every zone's name, for an admin picking one (the server's database).
#[cfg(feature = "ssr")]
pub fn all_names() -> Vec<String> {
    chrono_tz::TZ_VARIANTS
        .iter()
        .map(|z| z.name().to_owned())
        .collect()
}

/// Keeps offsets the server sent, for the clocks counted from now on; says whether they were
/// new. The server, which has the database, keeps nothing.
pub fn learn(offsets: &ZoneOffsets) -> bool {
    #[cfg(feature = "ssr")]
    {
        let _ = offsets;
        false
    }
    #[cfg(not(feature = "ssr"))]
    {
        browser::learn(offsets)
    }
}

/// Keeps the list of zone names the server sent (the SLA screen's), to check a name typed in.
pub fn learn_names(names: &[String]) {
    #[cfg(feature = "ssr")]
    let _ = names;
    #[cfg(not(feature = "ssr"))]
    browser::learn_names(names);
}

/// What the browser has been told. A page's wasm runs on one thread; these live as long as it.
#[cfg(not(feature = "ssr"))]
mod browser {
    use super::ZoneOffsets;
    use std::cell::RefCell;
    use std::sync::Arc;

    thread_local! {
        static OFFSETS: RefCell<Vec<Arc<ZoneOffsets>>> = const { RefCell::new(Vec::new()) };
        static NAMES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    }

    pub fn offsets(name: &str) -> Option<Arc<ZoneOffsets>> {
        OFFSETS.with_borrow(|known| known.iter().find(|z| z.name == name).cloned())
    }

    pub fn learn(offsets: &ZoneOffsets) -> bool {
        OFFSETS.with_borrow_mut(
            |known| match known.iter_mut().find(|z| z.name == offsets.name) {
                Some(held) if **held == *offsets => false,
                Some(held) => {
                    *held = Arc::new(offsets.clone());
                    true
                }
                None => {
                    known.push(Arc::new(offsets.clone()));
                    true
                }
            },
        )
    }

    pub fn is_listed(name: &str) -> bool {
        NAMES.with_borrow(|names| names.binary_search_by(|n| n.as_str().cmp(name)).is_ok())
    }

    pub fn learn_names(names: &[String]) {
        NAMES.with_borrow_mut(|held| {
            *held = names.to_vec();
            held.sort();
        });
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use chrono::{TimeZone, Timelike};
    use proptest::prelude::*;

    const ZONES: [&str; 7] = [
        "Europe/Berlin",
        "America/New_York",
        "Australia/Lord_Howe", // half-hour DST
        "Africa/Casablanca",   // two changes a year around Ramadan
        "Asia/Kolkata",
        "Pacific/Chatham",
        "UTC",
    ];

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).unwrap()
    }

    #[test]
    fn offsets_cover_the_changes_of_the_window() {
        let berlin = ZoneOffsets::around(named("Europe/Berlin").unwrap(), now());
        // Two changes a year, 2016 to 2038.
        assert_eq!(berlin.changes.len(), 44, "{:?}", berlin.changes);
        let spring = Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap();
        assert!(berlin.changes.contains(&OffsetChange {
            at: spring.timestamp(),
            offset: 7_200
        }));
        assert!(ZoneOffsets::around(named("UTC").unwrap(), now())
            .changes
            .is_empty());
        assert!(named("Mars/Olympus")
            .unwrap_err()
            .contains("Unknown time zone"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Inside the window the offsets sent to a page are the database's, and a local time is
        /// found where chrono-tz finds it (the earliest in an overlap, none in a gap).
        #[test]
        fn offsets_and_local_times_agree_with_the_database(
            zone in 0usize..ZONES.len(),
            minutes in -(9i64 * 365 * 24 * 60)..(11 * 365 * 24 * 60),
        ) {
            let tz = named(ZONES[zone]).unwrap();
            let offsets = ZoneOffsets::around(tz, now());
            let at = now() + Duration::minutes(minutes);
            prop_assert_eq!(offsets.offset_at(at), tz.offset_at(at));
            prop_assert_eq!(offsets.local(at), at.with_timezone(&tz).naive_local());
            let local = at.naive_utc().with_second(0).unwrap();
            let database = tz.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc));
            prop_assert_eq!(tz.earliest(local), database);
            prop_assert_eq!(offsets.earliest(local), database);
        }
    }
}
