//! The SLA policy per severity (defaults from product.md) and the clocks it puts on an incident:
//! time to acknowledge, next update due, time to mitigate, time to resolve, post-mortem due.
//! Each clock's deadline is an absolute instant computed here, from the incident's own
//! timestamps, so the server, the API and the browser agree on it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::sla::{due_soon, state_at, Calendar, ClockState, Counting, Pause, Target};
use super::{Incident, Severity, Status};

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

/// The targets of one severity; `None`: that clock does not apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SeverityTargets {
    pub severity: Severity,
    pub acknowledge: Option<Target>,
    pub next_update: Option<Target>,
    pub mitigate: Option<Target>,
    pub resolve: Option<Target>,
    pub post_mortem: Option<Target>,
}

impl SeverityTargets {
    pub fn target(&self, kind: ClockKind) -> Option<Target> {
        match kind {
            ClockKind::Acknowledge => self.acknowledge,
            ClockKind::NextUpdate => self.next_update,
            ClockKind::Mitigate => self.mitigate,
            ClockKind::Resolve => self.resolve,
            ClockKind::PostMortem => self.post_mortem,
        }
    }
}

/// The incident SLA policy: targets per severity, and the calendar business time is counted by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SlaPolicy {
    pub calendar: Calendar,
    pub severities: Vec<SeverityTargets>,
}

impl Default for SlaPolicy {
    /// product.md's incident targets.
    fn default() -> Self {
        use Target as T;
        let row = |severity, ack, update, mitigate, resolve, pm| SeverityTargets {
            severity,
            acknowledge: ack,
            next_update: update,
            mitigate,
            resolve,
            post_mortem: pm,
        };
        SlaPolicy {
            calendar: Calendar::default(),
            severities: vec![
                row(
                    Severity::Sev1,
                    Some(T::minutes(5)),
                    Some(T::minutes(30)),
                    Some(T::hours(1)),
                    Some(T::hours(4)),
                    Some(T::business_days(2)),
                ),
                row(
                    Severity::Sev2,
                    Some(T::minutes(15)),
                    Some(T::minutes(60)),
                    Some(T::hours(4)),
                    Some(T::hours(8)),
                    Some(T::business_days(5)),
                ),
                row(
                    Severity::Sev3,
                    Some(T::hours(1)),
                    Some(T::hours(4)),
                    None,
                    Some(T::days(3)),
                    None,
                ),
                row(
                    Severity::Sev4,
                    Some(T::business_days(1)),
                    None,
                    None,
                    Some(T::business_days(10)),
                    None,
                ),
            ],
        }
    }
}

impl SlaPolicy {
    /// The targets of `severity` (none when the policy does not list it).
    pub fn targets(&self, severity: Severity) -> SeverityTargets {
        self.severities
            .iter()
            .find(|t| t.severity == severity)
            .copied()
            .unwrap_or(SeverityTargets {
                severity,
                acknowledge: None,
                next_update: None,
                mitigate: None,
                resolve: None,
                post_mortem: None,
            })
    }

    /// Checks a policy from an admin's edit: a valid calendar, each severity once, no zero
    /// targets.
    pub fn validate(&self) -> Result<(), String> {
        self.calendar.validate()?;
        for s in Severity::ALL {
            if self.severities.iter().filter(|t| t.severity == s).count() > 1 {
                return Err(format!("{} is listed more than once.", s.label()));
            }
        }
        for t in &self.severities {
            for kind in ClockKind::ALL {
                let Some(target) = t.target(kind) else {
                    continue;
                };
                if target.amount == 0 {
                    return Err(format!(
                        "{}: the {} target must be at least 1 (leave it out for no target).",
                        t.severity.label(),
                        kind.label().to_lowercase()
                    ));
                }
                target.check(&self.calendar).map_err(|e| {
                    format!(
                        "{}: the {} target {e}",
                        t.severity.label(),
                        kind.label().to_lowercase()
                    )
                })?;
            }
        }
        Ok(())
    }
}

/// The SLA policy as saved, with its revision: each save adds one, so a page keeps the newest it
/// has heard of (a live event may arrive after a fresher fetch) and an edit made on an older one
/// is refused instead of silently undoing someone else's.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RevisedPolicy {
    /// 0: never edited (product.md's defaults).
    pub revision: u64,
    pub policy: SlaPolicy,
}

impl RevisedPolicy {
    /// Takes `other` if it is newer; says whether it did.
    pub fn update(&mut self, other: &RevisedPolicy) -> bool {
        let newer = other.revision > self.revision;
        if newer {
            *self = other.clone();
        }
        newer
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
        Clock {
            kind,
            target,
            started_at,
            deadline,
            due_soon_at,
            stopped_at,
            paused_seconds,
            state,
        }
    }

    /// Is it still counting?
    pub fn running(&self) -> bool {
        self.stopped_at.is_none()
    }

    /// Was its deadline missed (before it stopped, or by `now`)?
    pub fn breached(&self, now: DateTime<Utc>) -> bool {
        match (self.deadline, self.stopped_at) {
            (Some(d), Some(stopped)) => stopped > d,
            (Some(d), None) => now >= d,
            (None, _) => false,
        }
    }
}

/// What a countdown shows for `remaining` time, in one glance: `mm:ss` under an hour, then
/// `3h 05m` and `2d 4h` (never `h:mm`, which reads as minutes next to an `mm:ss`); past the
/// deadline it counts up, with a leading `+`.
pub fn countdown_text(remaining: chrono::Duration) -> String {
    let secs = remaining.num_seconds();
    let n = secs.abs();
    let body = if n < 3_600 {
        format!("{:02}:{:02}", n / 60, n % 60)
    } else {
        super::human_duration(chrono::Duration::seconds(n))
    };
    if secs < 0 {
        format!("+{body}")
    } else {
        body
    }
}

/// The same countdown in words, for a tooltip or a screen reader: `in 59 minutes`, `in 3 hours
/// 5 minutes`, `in 2 days 4 hours`, `overdue by 12 minutes`.
pub fn countdown_words(remaining: chrono::Duration) -> String {
    let secs = remaining.num_seconds();
    let n = secs.abs();
    let unit = |count: i64, one: &str| {
        if count == 1 {
            format!("1 {one}")
        } else {
            format!("{count} {one}s")
        }
    };
    let (days, hours, mins) = (n / 86_400, (n % 86_400) / 3_600, (n % 3_600) / 60);
    let amount = if days > 0 {
        format!("{} {}", unit(days, "day"), unit(hours, "hour"))
    } else if hours > 0 {
        format!("{} {}", unit(hours, "hour"), unit(mins, "minute"))
    } else if mins > 0 {
        unit(mins, "minute")
    } else {
        unit(n, "second")
    };
    if secs < 0 {
        format!("overdue by {amount}")
    } else {
        format!("in {amount}")
    }
}

/// Everything an incident's clocks are computed from: two incidents with the same facts have the
/// same clocks under any policy (notes, roles or pins never move a deadline).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockFacts {
    pub status: Status,
    pub severity: Severity,
    pub detected_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub last_public_update_at: Option<DateTime<Utc>>,
    pub mitigated_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl ClockFacts {
    pub fn of(incident: &Incident) -> ClockFacts {
        ClockFacts {
            status: incident.status,
            severity: incident.severity,
            detected_at: incident.detected_at,
            acknowledged_at: incident.acknowledged_at,
            last_public_update_at: incident.last_public_update_at,
            mitigated_at: incident.mitigated_at,
            resolved_at: incident.resolved_at,
            closed_at: incident.closed_at,
        }
    }
}

/// The clocks `policy` puts on `incident`, as of `now`: when each started, when it is due, and
/// whether it has stopped. A merged or declined incident has none. Computed from the incident's
/// `ClockFacts` only.
pub fn clocks(incident: &Incident, policy: &SlaPolicy, now: DateTime<Utc>) -> Vec<Clock> {
    let incident = ClockFacts::of(incident);
    if matches!(incident.status, Status::Declined | Status::Merged) {
        return Vec::new();
    }
    let targets = policy.targets(incident.severity);
    let active = incident.status.is_active();
    ClockKind::ALL
        .into_iter()
        .filter_map(|kind| {
            let target = targets.target(kind)?;
            let (started_at, stopped_at) = match kind {
                ClockKind::Acknowledge => (incident.detected_at, incident.acknowledged_at),
                ClockKind::NextUpdate => {
                    // Only while the incident is worked on; restarted by each public update.
                    if !active {
                        return None;
                    }
                    (
                        incident
                            .last_public_update_at
                            .unwrap_or(incident.detected_at),
                        None,
                    )
                }
                ClockKind::Mitigate => (incident.detected_at, incident.mitigated_at),
                ClockKind::Resolve => (incident.detected_at, incident.resolved_at),
                // From resolution until the incident is closed (closing means the post-mortem is
                // done).
                ClockKind::PostMortem => (incident.resolved_at?, incident.closed_at),
            };
            Some(Clock::new(
                kind,
                target,
                started_at,
                stopped_at,
                &[],
                &policy.calendar,
                now,
            ))
        })
        .collect()
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

/// What changing the policy from `before` to `after` does to `incident`'s running clocks at
/// `now`: each clock whose target or deadline moved, one that starts, one that no longer
/// applies. Empty when nothing the incident's responders count to changes.
pub fn policy_changes(
    incident: &Incident,
    before: &SlaPolicy,
    after: &SlaPolicy,
    now: DateTime<Utc>,
) -> Vec<ClockChange> {
    let running = |policy: &SlaPolicy| -> Vec<Clock> {
        clocks(incident, policy, now)
            .into_iter()
            .filter(Clock::running)
            .collect()
    };
    let (old, new) = (running(before), running(after));
    let find = |all: &[Clock], kind| all.iter().find(|c| c.kind == kind).cloned();
    ClockKind::ALL
        .into_iter()
        .filter_map(|kind| {
            let (b, a) = (find(&old, kind), find(&new, kind));
            let change = ClockChange {
                clock: kind,
                target_before: b.as_ref().map(|c| c.target),
                target_after: a.as_ref().map(|c| c.target),
                deadline_before: b.and_then(|c| c.deadline),
                deadline_after: a.and_then(|c| c.deadline),
            };
            let moved = change.target_before != change.target_after
                || change.deadline_before != change.deadline_after;
            moved.then_some(change)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{apply, decide, Actor, Command, Context, EventRecord};
    use crate::domain::{Calendar, ClockState, Pause};
    use chrono::{Duration, TimeZone};

    fn at(minute: i64) -> DateTime<Utc> {
        // A Monday, 10:00 UTC.
        Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap() + Duration::minutes(minute)
    }

    fn run(state: &mut Option<Incident>, command: Command, minute: i64) {
        let ctx = Context {
            actor_id: 1,
            now: at(minute),
            ..Context::default()
        };
        let payloads = decide(state.as_ref(), &command, &ctx).unwrap();
        for payload in payloads {
            let version = state.as_ref().map_or(1, |i| i.version + 1);
            let event = EventRecord {
                id: version,
                incident_id: 1,
                incident_version: version,
                at: at(minute),
                actor: Actor {
                    id: 1,
                    name: "Iris".into(),
                },
                payload,
                html: None,
            };
            apply(state, &event);
        }
    }

    fn find(clocks: &[Clock], kind: ClockKind) -> Option<&Clock> {
        clocks.iter().find(|c| c.kind == kind)
    }

    #[test]
    fn a_sev1_runs_its_clocks_from_detection_and_stops_them_at_each_milestone() {
        let policy = SlaPolicy::default();
        policy.validate().unwrap();
        let mut state = None;
        run(
            &mut state,
            Command::Declare {
                title: "Down".into(),
                severity: Severity::Sev1,
                summary: String::new(),
            },
            0,
        );
        let inc = state.clone().unwrap();
        let now = at(4);
        let all = clocks(&inc, &policy, now);
        let kinds: Vec<ClockKind> = all.iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            [
                ClockKind::Acknowledge,
                ClockKind::NextUpdate,
                ClockKind::Mitigate,
                ClockKind::Resolve
            ],
            "no post-mortem clock before resolution"
        );
        let ack = find(&all, ClockKind::Acknowledge).unwrap();
        assert_eq!(ack.deadline, Some(at(5)));
        assert_eq!(ack.due_soon_at, Some(at(4)));
        assert_eq!(ack.state, ClockState::DueSoon);
        assert_eq!(
            find(&clocks(&inc, &policy, at(6)), ClockKind::Acknowledge)
                .unwrap()
                .state,
            ClockState::Breached
        );
        assert_eq!(
            find(&all, ClockKind::Resolve).unwrap().deadline,
            Some(at(240))
        );

        // Acknowledged at minute 3: that clock is met, the others run on.
        run(&mut state, Command::Acknowledge, 3);
        let all = clocks(state.as_ref().unwrap(), &policy, at(10));
        let ack = find(&all, ClockKind::Acknowledge).unwrap();
        assert_eq!((ack.state, ack.stopped_at), (ClockState::Met, Some(at(3))));
        assert!(!ack.breached(at(10)));

        // A public update restarts the update clock.
        run(
            &mut state,
            Command::PublishUpdate {
                visibility: crate::domain::Visibility::Public,
                body: "We are on it".into(),
            },
            20,
        );
        let all = clocks(state.as_ref().unwrap(), &policy, at(21));
        assert_eq!(
            find(&all, ClockKind::NextUpdate).unwrap().deadline,
            Some(at(50))
        );

        // Resolved: update clock gone, post-mortem due in 2 business days (16 h of 09–17 UTC):
        // resolved Monday 12:00, so Wednesday 12:00.
        let v = state.as_ref().unwrap().version;
        run(
            &mut state,
            Command::ChangeStatus {
                status: Status::Resolved,
                expected_version: v,
            },
            120,
        );
        let all = clocks(state.as_ref().unwrap(), &policy, at(130));
        assert!(find(&all, ClockKind::NextUpdate).is_none());
        let pm = find(&all, ClockKind::PostMortem).unwrap();
        assert_eq!(pm.started_at, at(120));
        assert_eq!(pm.deadline, Some(at(120 + 2 * 24 * 60)));
        assert_eq!(
            find(&all, ClockKind::Resolve).unwrap().state,
            ClockState::Met
        );
    }

    #[test]
    fn a_policy_change_lists_exactly_the_running_clocks_it_moves() {
        let before = SlaPolicy::default();
        let mut state = None;
        run(
            &mut state,
            Command::Declare {
                title: "Down".into(),
                severity: Severity::Sev2,
                summary: String::new(),
            },
            0,
        );
        run(&mut state, Command::Acknowledge, 3);
        let inc = state.clone().unwrap();
        let now = at(10);
        assert!(policy_changes(&inc, &before, &before, now).is_empty());

        // SEV2: acknowledge (already met) 15 → 20 min, resolve 8 → 6 h, mitigate dropped; SEV1
        // edits do not concern a SEV2.
        let mut after = before.clone();
        after.severities[1].acknowledge = Some(Target::minutes(20));
        after.severities[1].resolve = Some(Target::hours(6));
        after.severities[1].mitigate = None;
        after.severities[0].resolve = Some(Target::hours(1));
        let changes = policy_changes(&inc, &before, &after, now);
        let kinds: Vec<ClockKind> = changes.iter().map(|c| c.clock).collect();
        assert_eq!(kinds, [ClockKind::Mitigate, ClockKind::Resolve]);
        let resolve = &changes[1];
        assert_eq!(resolve.deadline_before, Some(at(8 * 60)));
        assert_eq!(resolve.deadline_after, Some(at(6 * 60)));
        let fmt = |t: DateTime<Utc>| t.format("%H:%M").to_string();
        assert_eq!(
            resolve.describe(fmt),
            "Resolve: 8 h → 6 h, due 16:00 (was 18:00)"
        );
        assert_eq!(
            changes[0].describe(fmt),
            "Mitigate: no longer applies (was 4 h)"
        );

        // A clock that starts applying.
        let mut more = before.clone();
        more.severities[1].post_mortem = None;
        more.severities[3].mitigate = Some(Target::hours(2));
        let mut sev4 = inc.clone();
        sev4.severity = Severity::Sev4;
        let changes = policy_changes(&sev4, &before, &more, now);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].describe(fmt), "Mitigate: now 2 h, due 12:00");

        // A calendar change moves business-time clocks only: SEV4 acknowledges in 1 business
        // day; a SEV2 (all wall clock while open) does not move.
        let mut new_york = before.clone();
        new_york.calendar.time_zone = "America/New_York".into();
        let mut fresh = inc.clone();
        fresh.severity = Severity::Sev4;
        fresh.acknowledged_at = None;
        let changes = policy_changes(&fresh, &before, &new_york, now);
        assert_eq!(changes.len(), 2, "{changes:?}"); // acknowledge and resolve
        assert!(changes
            .iter()
            .all(|c| c.target_before == c.target_after && c.deadline_before != c.deadline_after));
        assert!(policy_changes(&inc, &before, &new_york, now).is_empty());
    }

    #[test]
    fn a_page_keeps_the_newest_policy_and_a_policy_change_is_not_taking_part() {
        let mut held = RevisedPolicy::default();
        let mut newer = RevisedPolicy {
            revision: 2,
            policy: SlaPolicy::default(),
        };
        newer.policy.severities[0].acknowledge = Some(Target::minutes(9));
        assert!(held.update(&newer));
        assert_eq!(held, newer);
        // A late event from revision 1 does not undo revision 2.
        assert!(!held.update(&RevisedPolicy {
            revision: 1,
            policy: SlaPolicy::default(),
        }));
        assert_eq!(held.revision, 2);

        // Applying a policy change moves the version only: the admin does not become a
        // participant ("Mine") and the incident does not count as recently updated.
        let mut state = None;
        run(
            &mut state,
            Command::Declare {
                title: "Down".into(),
                severity: Severity::Sev1,
                summary: String::new(),
            },
            0,
        );
        let before = state.clone().unwrap();
        let event = EventRecord {
            id: 2,
            incident_id: 1,
            incident_version: 2,
            at: at(30),
            actor: Actor {
                id: 9,
                name: "Ada Admin".into(),
            },
            payload: crate::domain::EventPayload::SlaPolicyChanged {
                changes: Vec::new(),
                policy: newer.policy.clone(),
                revision: 2,
            },
            html: None,
        };
        apply(&mut state, &event);
        let after = state.unwrap();
        assert_eq!(after.version, 2);
        assert_eq!(after.participants, before.participants);
        assert_eq!(after.updated_at, before.updated_at);
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

    #[test]
    fn countdowns_read_as_minutes_hours_or_days_and_count_up_when_late() {
        let cases = [
            (Duration::seconds(299), "04:59"),
            (Duration::seconds(0), "00:00"),
            (Duration::seconds(3_599), "59:59"),
            (Duration::seconds(3_600), "1h 00m"),
            (Duration::minutes(4 * 60 + 5), "4h 05m"),
            (Duration::seconds(4 * 3_600 - 1), "3h 59m"),
            (Duration::hours(50), "2d 2h"),
            (Duration::seconds(-61), "+01:01"),
            (Duration::seconds(-(12 * 60 + 3)), "+12:03"),
            (Duration::hours(-3), "+3h 00m"),
            (Duration::minutes(-(3 * 60 + 59)), "+3h 59m"),
        ];
        for (remaining, text) in cases {
            assert_eq!(countdown_text(remaining), text, "{remaining:?}");
        }
    }

    #[test]
    fn countdowns_in_words_name_their_units() {
        let cases = [
            (Duration::seconds(42), "in 42 seconds"),
            (Duration::seconds(1), "in 1 second"),
            (Duration::seconds(59 * 60 + 24), "in 59 minutes"),
            (Duration::minutes(61), "in 1 hour 1 minute"),
            (Duration::seconds(4 * 3_600 - 1), "in 3 hours 59 minutes"),
            (Duration::hours(52), "in 2 days 4 hours"),
            (Duration::minutes(-12), "overdue by 12 minutes"),
        ];
        for (remaining, words) in cases {
            assert_eq!(countdown_words(remaining), words, "{remaining:?}");
        }
    }

    #[test]
    fn policies_are_checked() {
        let mut policy = SlaPolicy::default();
        policy.severities[0].acknowledge = Some(Target::minutes(0));
        assert!(policy
            .validate()
            .unwrap_err()
            .contains("acknowledge target"));
        let mut policy = SlaPolicy::default();
        policy.severities.push(policy.severities[0]);
        assert!(policy.validate().unwrap_err().contains("more than once"));
        // At most a year in any unit: longer ones overflowed into deadlines at the start (an
        // instant breach) or none at all.
        for (target, ok) in [
            (Target::days(365), true),
            (Target::business_days(365), true),
            (Target::days(366), false),
            (Target::business_days(u32::MAX), false),
            (Target::business_days(1_000_000), false),
            (Target::minutes(525_600), true),
            (Target::minutes(525_601), false),
            // The default working day is 8 hours: a year of them is 2,920 business hours.
            (Target::business_hours(2_920), true),
            (Target::business_hours(2_921), false),
        ] {
            let mut policy = SlaPolicy::default();
            policy.severities[0].resolve = Some(target);
            let checked = policy.validate();
            assert_eq!(checked.is_ok(), ok, "{target:?}: {checked:?}");
            if let Err(message) = checked {
                assert!(message.contains("at most 365 days"), "{message}");
            }
        }
    }
}
