//! SLA time arithmetic: when a length of counted time falls due, and how much of it has been
//! used — in wall-clock time, or in business time (working days and hours in a named time zone,
//! minus holidays), with pauses (a clock that stops while a condition holds, such as a ticket
//! waiting on its requester).
//!
//! Everything is in absolute UTC instants; local time is only used to find the working hours of
//! a day, so a daylight-saving change inside a window is handled by the time zone database.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use super::zone::{self, ZoneRules};

/// How far ahead a deadline is searched for before giving up (a calendar with no working time).
const SEARCH_DAYS: i64 = 3_660;

/// Working days and hours in a time zone, and the holidays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Calendar {
    /// An IANA time zone name, such as `Europe/Berlin`.
    pub time_zone: String,
    /// Working days, ISO numbered: 1 is Monday, 7 is Sunday.
    pub working_days: Vec<u8>,
    /// Local opening time on a working day (`09:00:00`).
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub opens: NaiveTime,
    /// Local closing time (`17:00:00`), after `opens`.
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub closes: NaiveTime,
    /// Days with no working hours, in the calendar's time zone.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Vec<String>))]
    pub holidays: Vec<NaiveDate>,
}

impl Default for Calendar {
    /// Monday to Friday, 09:00–17:00 UTC, no holidays (product.md's ticket hours).
    fn default() -> Self {
        Calendar {
            time_zone: "UTC".into(),
            working_days: vec![1, 2, 3, 4, 5],
            opens: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
            closes: NaiveTime::from_hms_opt(17, 0, 0).unwrap_or_default(),
            holidays: Vec::new(),
        }
    }
}

impl Calendar {
    /// Checks a calendar from configuration or an admin's edit.
    pub fn validate(&self) -> Result<(), String> {
        if !zone::exists(&self.time_zone) {
            return Err(zone::unknown(&self.time_zone));
        }
        for day in &self.holidays {
            crate::domain::text::check_date("A holiday", *day).map_err(|e| e.to_string())?;
        }
        if self.working_days.is_empty() {
            return Err("Pick at least one working day.".into());
        }
        if let Some(d) = self.working_days.iter().find(|d| !(1..=7).contains(*d)) {
            return Err(format!(
                "Working day {d} does not exist: use 1 (Monday) to 7 (Sunday)."
            ));
        }
        if self.opens >= self.closes {
            return Err(format!(
                "Working hours must open before they close (they open at {} and close at {}).",
                self.opens.format("%H:%M"),
                self.closes.format("%H:%M")
            ));
        }
        Ok(())
    }

    /// How long one working day is.
    pub fn day_length(&self) -> Duration {
        self.closes - self.opens
    }

    fn works_on(&self, date: NaiveDate) -> bool {
        let iso = date.weekday().number_from_monday() as u8;
        self.working_days.contains(&iso) && !self.holidays.contains(&date)
    }

    /// The working hours of `date` as UTC instants, if it is a working day.
    fn hours_of(&self, zone: &impl ZoneRules, date: NaiveDate) -> Option<Span> {
        if !self.works_on(date) {
            return None;
        }
        let from = local_instant(zone, date, self.opens)?;
        let to = local_instant(zone, date, self.closes)?;
        (from < to).then_some(Span { from, to })
    }

    /// The working spans that end after `from`, in order, clipped to start no earlier than it.
    fn spans_from(&self, from: DateTime<Utc>) -> Result<impl Iterator<Item = Span> + '_, String> {
        Ok(self.spans_in(zone::named(&self.time_zone)?, from))
    }

    /// [`Calendar::spans_from`] by the offsets of `zone`.
    fn spans_in<Z: ZoneRules + 'static>(
        &self,
        zone: Z,
        from: DateTime<Utc>,
    ) -> impl Iterator<Item = Span> + '_ {
        // The local date of `from`, less one: a working day that began yesterday (local) may
        // still be open in UTC terms when zones are far from UTC.
        let first = zone.local(from).date() - Duration::days(1);
        (0..SEARCH_DAYS)
            .filter_map(move |n| first.checked_add_signed(Duration::days(n)))
            .filter_map(move |date| self.hours_of(&zone, date))
            .filter(move |span| span.to > from)
            .map(move |span| Span {
                from: span.from.max(from),
                to: span.to,
            })
    }
}

/// A local wall-clock time on a date, as a UTC instant. In a daylight-saving gap (a local time
/// that does not exist) it is the instant the clocks jump; in an overlap, the earlier one.
fn local_instant(zone: &impl ZoneRules, date: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    let local = date.and_time(time);
    (0..=180).find_map(|m| zone.earliest(local + Duration::minutes(m)))
}

/// A stretch of time, `from` inclusive, `to` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

/// A time the clock stood still: from `from` until `to` (still paused when `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Pause {
    pub from: DateTime<Utc>,
    pub to: Option<DateTime<Utc>>,
}

/// What a clock counts: every instant (wall clock), or working time by a calendar; never the
/// paused stretches.
#[derive(Debug, Clone, Copy)]
pub struct Counting<'a> {
    pub calendar: Option<&'a Calendar>,
    pub pauses: &'a [Pause],
}

impl<'a> Counting<'a> {
    pub fn wall_clock() -> Counting<'static> {
        Counting {
            calendar: None,
            pauses: &[],
        }
    }

    /// The counted spans from `from` on, in order: the calendar's working spans (or all time),
    /// minus the pauses; nothing after a pause that has not ended. Lazy: a deadline an hour
    /// away looks at an hour's worth of days.
    fn spans(&self, from: DateTime<Utc>) -> Result<impl Iterator<Item = Span> + 'a, String> {
        let mut pauses: Vec<Pause> = self.pauses.to_vec();
        pauses.sort_by_key(|p| p.from);
        let open_pause = pauses.iter().find(|p| p.to.is_none()).map(|p| p.from);
        let base: Box<dyn Iterator<Item = Span> + 'a> = match self.calendar {
            Some(calendar) => Box::new(calendar.spans_from(from)?),
            None => Box::new(std::iter::once(Span {
                from,
                to: from + Duration::days(SEARCH_DAYS),
            })),
        };
        Ok(base
            .take_while(move |span| open_pause.is_none_or(|p| span.from < p))
            .flat_map(move |span| {
                let mut pieces = vec![span];
                for pause in &pauses {
                    let until = pause.to.unwrap_or(DateTime::<Utc>::MAX_UTC);
                    pieces = pieces
                        .into_iter()
                        .flat_map(|s| {
                            [
                                Span {
                                    from: s.from,
                                    to: s.to.min(pause.from),
                                },
                                Span {
                                    from: s.from.max(until),
                                    to: s.to,
                                },
                            ]
                        })
                        .filter(|s| s.from < s.to)
                        .collect();
                }
                pieces
            }))
    }

    /// When `target` of counted time has passed since `start`: `None` while the clock is paused
    /// with no end in sight, or when the calendar has no working time to count.
    pub fn deadline(
        &self,
        start: DateTime<Utc>,
        target: Duration,
    ) -> Result<Option<DateTime<Utc>>, String> {
        if target <= Duration::zero() {
            return Ok(Some(start));
        }
        let mut left = target;
        for span in self.spans(start)? {
            let length = span.to - span.from;
            if left <= length {
                return Ok(Some(span.from + left));
            }
            left -= length;
        }
        Ok(None)
    }

    /// How much counted time passed between `from` and `to`.
    pub fn elapsed(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Duration, String> {
        if to <= from {
            return Ok(Duration::zero());
        }
        let mut total = Duration::zero();
        for span in self.spans(from)? {
            if span.from >= to {
                break;
            }
            total += span.to.min(to) - span.from;
        }
        Ok(total)
    }

    /// Is `at` counted (a working instant, not paused)?
    pub fn counts(&self, at: DateTime<Utc>) -> Result<bool, String> {
        Ok(self
            .spans(at)?
            .next()
            .is_some_and(|s| s.from <= at && at < s.to))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sla::target::Target;
    use crate::domain::sla::zone::ZoneOffsets;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn berlin(holidays: &[(i32, u32, u32)]) -> Calendar {
        Calendar {
            time_zone: "Europe/Berlin".into(),
            holidays: holidays
                .iter()
                .map(|&(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap())
                .collect(),
            ..Calendar::default()
        }
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn business(calendar: &Calendar) -> Counting<'_> {
        Counting {
            calendar: Some(calendar),
            pauses: &[],
        }
    }

    /// Known cases, worked out by hand (Berlin is UTC+1 in winter, UTC+2 from 29 March 2026).
    #[test]
    fn known_deadlines() {
        let plain = berlin(&[]);
        let easter = berlin(&[(2026, 4, 3), (2026, 4, 6)]); // Good Friday, Easter Monday
        let five_days = Target::business_days(5).length(&plain);
        assert_eq!(five_days, Duration::hours(40));
        // Friday 27 March 16:30 CET (15:30 UTC).
        let declared = utc(2026, 3, 27, 15, 30);
        let paused_over_easter = [Pause {
            from: utc(2026, 4, 2, 10, 0),    // Thursday 12:00 CEST
            to: Some(utc(2026, 4, 7, 9, 0)), // Tuesday 11:00 CEST
        }];
        let cases: [(&str, Counting, DateTime<Utc>); 4] = [
            // 30 min Friday, 8 h Mon–Thu, 7.5 h the next Friday: 16:30 CEST after the DST change.
            (
                "across the DST change",
                business(&plain),
                utc(2026, 4, 3, 14, 30),
            ),
            // Good Friday and Easter Monday do not count: Tuesday 16:30 CEST.
            ("over Easter", business(&easter), utc(2026, 4, 7, 14, 30)),
            // Paused Thursday 12:00 to Tuesday 11:00 CEST: 27.5 h counted before the pause,
            // 6 h on Tuesday afternoon, the last 6.5 h end Wednesday 15:30 CEST.
            (
                "paused over Easter",
                Counting {
                    calendar: Some(&easter),
                    pauses: &paused_over_easter,
                },
                utc(2026, 4, 8, 13, 30),
            ),
            // Wall clock: 40 h later, whatever the day.
            (
                "wall clock",
                Counting::wall_clock(),
                utc(2026, 3, 29, 7, 30),
            ),
        ];
        for (name, counting, expected) in cases {
            let deadline = counting.deadline(declared, five_days).unwrap();
            assert_eq!(deadline, Some(expected), "{name}");
            assert_eq!(
                counting.elapsed(declared, expected).unwrap(),
                five_days,
                "{name}: measured back"
            );
        }
    }

    #[test]
    fn a_clock_paused_without_end_has_no_deadline() {
        let calendar = berlin(&[]);
        let pauses = [Pause {
            from: utc(2026, 3, 30, 9, 0),
            to: None,
        }];
        let counting = Counting {
            calendar: Some(&calendar),
            pauses: &pauses,
        };
        let start = utc(2026, 3, 30, 8, 0); // Monday 10:00 CEST
        assert_eq!(counting.deadline(start, Duration::hours(2)).unwrap(), None);
        assert_eq!(
            counting.deadline(start, Duration::minutes(30)).unwrap(),
            Some(utc(2026, 3, 30, 8, 30))
        );
        assert_eq!(
            counting.elapsed(start, utc(2026, 4, 30, 0, 0)).unwrap(),
            Duration::hours(1)
        );
        assert!(!counting.counts(utc(2026, 3, 31, 9, 0)).unwrap());
    }

    #[test]
    fn calendars_are_checked() {
        let c = Calendar {
            time_zone: "Mars/Olympus".into(),
            ..Calendar::default()
        };
        assert!(c.validate().unwrap_err().contains("Unknown time zone"));
        let c = Calendar {
            working_days: vec![8],
            ..Calendar::default()
        };
        assert!(c
            .validate()
            .unwrap_err()
            .contains("1 (Monday) to 7 (Sunday)"));
        let mut c = Calendar::default();
        c.closes = c.opens;
        assert!(c.validate().unwrap_err().contains("open before they close"));
        assert!(Calendar::default().validate().is_ok());
    }

    const ZONES: [&str; 4] = [
        "Europe/Berlin",
        "America/New_York",
        "Australia/Sydney",
        "UTC",
    ];

    fn any_calendar() -> impl Strategy<Value = Calendar> {
        (
            0usize..ZONES.len(),
            proptest::sample::subsequence(vec![1u8, 2, 3, 4, 5, 6, 7], 1..=7),
            0u32..12,
            1u32..12,
            proptest::collection::vec(0i64..400, 0..12),
        )
            .prop_map(|(zone, days, open, len, holidays)| {
                let base = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
                Calendar {
                    time_zone: ZONES[zone].into(),
                    working_days: days,
                    opens: NaiveTime::from_hms_opt(open, 30, 0).unwrap(),
                    closes: NaiveTime::from_hms_opt((open + len).min(23), 30, 0).unwrap(),
                    holidays: holidays
                        .into_iter()
                        .map(|d| base + Duration::days(d))
                        .collect(),
                }
            })
    }

    fn any_start() -> impl Strategy<Value = DateTime<Utc>> {
        // All of 2026, to the minute: both DST changes of every zone above.
        (0i64..365 * 24 * 60).prop_map(|m| utc(2026, 1, 1, 0, 0) + Duration::minutes(m))
    }

    fn any_pauses() -> impl Strategy<Value = Vec<Pause>> {
        proptest::collection::vec((0i64..60 * 24 * 30, 1i64..60 * 24 * 5), 0..4).prop_map(|v| {
            v.into_iter()
                .map(|(at, len)| {
                    let from = utc(2026, 1, 1, 0, 0) + Duration::minutes(at);
                    Pause {
                        from,
                        to: Some(from + Duration::minutes(len)),
                    }
                })
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Adding a duration and measuring it back gives the same duration, and a business
        /// deadline falls inside working hours (never outside them), across weekends, holidays,
        /// DST changes and pauses.
        #[test]
        fn adding_then_measuring_gives_the_same_duration(
            calendar in any_calendar(),
            start in any_start(),
            minutes in 1i64..60 * 24 * 20,
            pauses in any_pauses(),
        ) {
            prop_assume!(calendar.validate().is_ok());
            let target = Duration::minutes(minutes);
            let counting = Counting { calendar: Some(&calendar), pauses: &pauses };
            let deadline = counting.deadline(start, target).unwrap();
            prop_assume!(deadline.is_some());
            let deadline = deadline.unwrap();
            prop_assert!(deadline > start);
            prop_assert_eq!(counting.elapsed(start, deadline).unwrap(), target);
            // The deadline is the end of a counted minute: the instant just before it counts.
            prop_assert!(counting.counts(deadline - Duration::seconds(1)).unwrap());
            // Inside working hours, in the calendar's own local time.
            let zone = zone::named(&calendar.time_zone).unwrap();
            let local = (deadline - Duration::seconds(1)).with_timezone(&zone);
            prop_assert!(calendar.works_on(local.date_naive()), "{local} is not a working day");
            let time = local.time();
            prop_assert!(time >= calendar.opens && time < calendar.closes, "{local} is outside working hours");
        }

        /// A page counts with the offsets the server sent it, and finds the working hours the
        /// server finds with the database.
        #[test]
        fn a_page_counts_the_working_hours_the_server_counts(
            calendar in any_calendar(),
            start in any_start(),
        ) {
            let database = zone::named(&calendar.time_zone).unwrap();
            let sent = ZoneOffsets::around(database, utc(2026, 12, 4, 12, 0));
            let by_database: Vec<Span> = calendar.spans_in(database, start).take(40).collect();
            let by_offsets: Vec<Span> = calendar.spans_in(sent, start).take(40).collect();
            prop_assert_eq!(by_database, by_offsets);
        }

        /// Pausing never brings a deadline forward; wall-clock deadlines are plain additions.
        #[test]
        fn pausing_never_shortens_a_deadline(
            calendar in any_calendar(),
            start in any_start(),
            minutes in 1i64..60 * 24 * 20,
            pauses in any_pauses(),
        ) {
            prop_assume!(calendar.validate().is_ok());
            let target = Duration::minutes(minutes);
            let running = Counting { calendar: Some(&calendar), pauses: &[] };
            let paused = Counting { calendar: Some(&calendar), pauses: &pauses };
            if let (Some(a), Some(b)) = (running.deadline(start, target).unwrap(), paused.deadline(start, target).unwrap()) {
                prop_assert!(b >= a, "paused {b} is before unpaused {a}");
            }
            let wall = Counting::wall_clock();
            prop_assert_eq!(wall.deadline(start, target).unwrap(), Some(start + target));
            let wall_paused = Counting { calendar: None, pauses: &pauses };
            let d = wall_paused.deadline(start, target).unwrap().unwrap();
            prop_assert!(d >= start + target);
            prop_assert_eq!(wall_paused.elapsed(start, d).unwrap(), target);
        }
    }
}
