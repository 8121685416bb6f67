//! One SLA clock: what it counts to, when it started, when it falls due, and where it stands.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::calendar::{Calendar, Counting, Pause};
use super::target::Target;

/// The clocks an incident can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    Acknowledge,
    NextUpdate,
    Mitigate,
    Resolve,
    PostMortem,
}

impl ClockKind {
    pub const ALL: [ClockKind; 5] = [
        ClockKind::Acknowledge,
        ClockKind::NextUpdate,
        ClockKind::Mitigate,
        ClockKind::Resolve,
        ClockKind::PostMortem,
    ];

    /// As in the API (`next_update`).
    pub fn key(self) -> &'static str {
        match self {
            ClockKind::Acknowledge => "acknowledge",
            ClockKind::NextUpdate => "next_update",
            ClockKind::Mitigate => "mitigate",
            ClockKind::Resolve => "resolve",
            ClockKind::PostMortem => "post_mortem",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ClockKind::Acknowledge => "Acknowledge",
            ClockKind::NextUpdate => "Next update",
            ClockKind::Mitigate => "Mitigate",
            ClockKind::Resolve => "Resolve",
            ClockKind::PostMortem => "Post-mortem",
        }
    }
}

/// One clock of one incident, as of `now`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Clock {
    pub kind: ClockKind,
    pub target: Target,
    /// When it started counting.
    pub started_at: DateTime<Utc>,
    /// When it is due.
    pub deadline: Option<DateTime<Utc>>,
    /// When it becomes due soon (80 % of the target used).
    pub due_soon_at: Option<DateTime<Utc>>,
    /// When its goal was reached (acknowledged, mitigated, ...); `None` while it runs.
    pub stopped_at: Option<DateTime<Utc>>,
    /// How long it has stood still so far (paused stretches between its start and now, or its
    /// stop), in seconds. Paused time never counts towards the target.
    pub paused_seconds: i64,
    pub state: ClockState,
}

impl Clock {
    /// A clock of `kind` counting `target` from `started_at` (stopped at `stopped_at`, if it has
    /// stopped), standing still during `pauses`; business targets count by `calendar`. As of
    /// `now`.
    pub fn new(
        kind: ClockKind,
        target: Target,
        started_at: DateTime<Utc>,
        stopped_at: Option<DateTime<Utc>>,
        pauses: &[Pause],
        calendar: &Calendar,
        now: DateTime<Utc>,
    ) -> Clock {
        let t = Timing::of(target, started_at, stopped_at, pauses, calendar, now);
        Clock {
            kind,
            target,
            started_at,
            deadline: t.deadline,
            due_soon_at: t.due_soon_at,
            stopped_at,
            paused_seconds: t.paused_seconds,
            state: t.state,
        }
    }

    /// Is it still counting?
    pub fn running(&self) -> bool {
        self.stopped_at.is_none()
    }

    /// Was its deadline missed (before it stopped, or by `now`)?
    pub fn breached(&self, now: DateTime<Utc>) -> bool {
        missed(self.deadline, self.stopped_at, now)
    }
}

/// Was a clock due at `deadline` missed — before it stopped at `stopped_at`, or by `now`?
pub fn missed(
    deadline: Option<DateTime<Utc>>,
    stopped_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    match (deadline, stopped_at) {
        (Some(d), Some(stopped)) => stopped > d,
        (Some(d), None) => now >= d,
        (None, _) => false,
    }
}

/// Where a clock stands, whatever it is for (an incident's or a ticket's): when it falls due,
/// when it becomes due soon, how long it has stood still, and its state, as of `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    pub deadline: Option<DateTime<Utc>>,
    pub due_soon_at: Option<DateTime<Utc>>,
    pub paused_seconds: i64,
    pub state: ClockState,
}

impl Timing {
    /// A clock counting `target` from `started_at` (stopped at `stopped_at`, if it has
    /// stopped), standing still during `pauses`; business targets count by `calendar`.
    pub fn of(
        target: Target,
        started_at: DateTime<Utc>,
        stopped_at: Option<DateTime<Utc>>,
        pauses: &[Pause],
        calendar: &Calendar,
        now: DateTime<Utc>,
    ) -> Timing {
        let counting = Counting {
            calendar: target.is_business().then_some(calendar),
            pauses,
        };
        let length = target.length(calendar);
        // Every instant but the paused ones. Also what is counted when a calendar fails to parse
        // (it was refused when it was saved).
        let wall_clock = Counting {
            calendar: None,
            pauses,
        };
        let deadline = counting
            .deadline(started_at, length)
            .or_else(|_| wall_clock.deadline(started_at, length))
            .ok()
            .flatten();
        let due_soon_at = due_soon(&counting, started_at, length)
            .or_else(|_| due_soon(&wall_clock, started_at, length))
            .ok()
            .flatten();
        let end = stopped_at.unwrap_or(now).max(started_at);
        let unpaused = wall_clock
            .elapsed(started_at, end)
            .unwrap_or(end - started_at);
        let paused_seconds = ((end - started_at) - unpaused).num_seconds().max(0);
        let paused_now = stopped_at.is_none()
            && pauses
                .iter()
                .any(|p| p.from <= now && p.to.is_none_or(|to| now < to));
        let state = match (stopped_at, deadline, due_soon_at) {
            (Some(_), _, _) => ClockState::Met,
            (None, _, _) if paused_now => ClockState::Paused,
            (None, Some(d), Some(s)) => state_at(now, s, d),
            (None, Some(d), None) => state_at(now, d, d),
            (None, None, _) => ClockState::Paused,
        };
        Timing {
            deadline,
            due_soon_at,
            paused_seconds,
            state,
        }
    }
}

/// How one running clock of an incident moved when the SLA policy changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ClockChange {
    pub clock: ClockKind,
    /// `None`: the clock did not apply before (it starts now).
    pub target_before: Option<Target>,
    /// `None`: the clock no longer applies.
    pub target_after: Option<Target>,
    pub deadline_before: Option<DateTime<Utc>>,
    pub deadline_after: Option<DateTime<Utc>>,
}

impl ClockChange {
    /// "Acknowledge: 5 min → 10 min, due 10:10 (was 10:05)", "Mitigate: no longer applies (was
    /// 4 h)", "Resolve: now 4 h, due 14:00"; instants written by `at`.
    pub fn describe(&self, at: impl Fn(DateTime<Utc>) -> String) -> String {
        let label = self.clock.label();
        let target = match (self.target_before, self.target_after) {
            (Some(before), Some(after)) if before != after => {
                format!("{label}: {} → {}", before.label(), after.label())
            }
            (Some(_), Some(after)) => format!("{label}: {}", after.label()),
            (None, Some(after)) => format!("{label}: now {}", after.label()),
            (Some(before), None) => {
                return format!("{label}: no longer applies (was {})", before.label())
            }
            (None, None) => label.to_owned(),
        };
        match (self.deadline_before, self.deadline_after) {
            (Some(before), Some(after)) if before != after => {
                format!("{target}, due {} (was {})", at(after), at(before))
            }
            (_, Some(after)) => format!("{target}, due {}", at(after)),
            (_, None) => target,
        }
    }
}

/// Where a running clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    OnTrack,
    /// In the last 20 % of the target.
    DueSoon,
    Breached,
    /// Stopped for now (the deadline moves on when it resumes).
    Paused,
    /// Its goal was reached (in time or late: see `Clock::breached`).
    Met,
}

/// The state of a clock due at `deadline` that becomes due soon at `due_soon_at`, at `now`.
pub fn state_at(
    now: DateTime<Utc>,
    due_soon_at: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> ClockState {
    if now >= deadline {
        ClockState::Breached
    } else if now >= due_soon_at {
        ClockState::DueSoon
    } else {
        ClockState::OnTrack
    }
}

/// The share of a target after which a clock is due soon.
pub const DUE_SOON_AFTER: f64 = 0.8;

/// When a clock started at `start` with `length` of counted time becomes due soon (80 % used).
pub fn due_soon(
    counting: &Counting<'_>,
    start: DateTime<Utc>,
    length: Duration,
) -> Result<Option<DateTime<Utc>>, String> {
    let used = Duration::milliseconds((length.num_milliseconds() as f64 * DUE_SOON_AFTER) as i64);
    counting.deadline(start, used)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn states_and_labels() {
        let start = utc(2026, 1, 5, 9, 0);
        let length = Duration::minutes(30);
        let soon = due_soon(&Counting::wall_clock(), start, length)
            .unwrap()
            .unwrap();
        assert_eq!(soon, utc(2026, 1, 5, 9, 24));
        let deadline = start + length;
        assert_eq!(
            state_at(utc(2026, 1, 5, 9, 10), soon, deadline),
            ClockState::OnTrack
        );
        assert_eq!(
            state_at(utc(2026, 1, 5, 9, 24), soon, deadline),
            ClockState::DueSoon
        );
        assert_eq!(state_at(deadline, soon, deadline), ClockState::Breached);
        assert_eq!(Target::business_days(1).label(), "1 business day");
        assert_eq!(Target::minutes(5).label(), "5 min");
    }

    fn at(minute: i64) -> DateTime<Utc> {
        // A Monday, 10:00 UTC.
        Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap() + Duration::minutes(minute)
    }

    #[test]
    fn a_clock_counts_its_paused_time_and_stands_still_while_paused() {
        let calendar = Calendar::default();
        let pauses = [
            Pause {
                from: at(10),
                to: Some(at(40)),
            },
            Pause {
                from: at(100),
                to: None,
            },
        ];
        let target = Target::hours(1);
        // At minute 50: 30 minutes paused, due at minute 90 (60 counted + 30 paused).
        let c = Clock::new(
            ClockKind::Resolve,
            target,
            at(0),
            None,
            &pauses[..1],
            &calendar,
            at(50),
        );
        assert_eq!(c.paused_seconds, 30 * 60);
        assert_eq!(c.deadline, Some(at(90)));
        assert_eq!(c.state, ClockState::OnTrack);
        // Paused again at minute 100 with no end: paused, no deadline, paused time grows.
        let c = Clock::new(
            ClockKind::Resolve,
            target,
            at(0),
            None,
            &pauses,
            &calendar,
            at(120),
        );
        assert_eq!(c.state, ClockState::Paused);
        assert_eq!(c.paused_seconds, 50 * 60);
        // Stopped at minute 45: paused time counts up to the stop only.
        let c = Clock::new(
            ClockKind::Resolve,
            target,
            at(0),
            Some(at(45)),
            &pauses,
            &calendar,
            at(120),
        );
        assert_eq!((c.state, c.paused_seconds), (ClockState::Met, 30 * 60));
    }
}
