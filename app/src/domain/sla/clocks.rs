//! The clocks an SLA policy puts on an incident (time to acknowledge, next update due, time to
//! mitigate, time to resolve, post-mortem due), and how a policy change moves them. Each
//! deadline is an absolute instant computed here from the incident's own timestamps, so the
//! server, the API and the browser agree on it.

use chrono::{DateTime, Utc};

use super::clock::{Clock, ClockChange, ClockKind};
use super::policy::SlaPolicy;
use crate::domain::incident::values::{Severity, Status};

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

/// What has clock facts: an incident (its read model implements this where it is defined, so the
/// clocks need not know it).
pub trait Clocked {
    fn clock_facts(&self) -> ClockFacts;
}

impl ClockFacts {
    pub fn of(incident: &impl Clocked) -> ClockFacts {
        incident.clock_facts()
    }
}

impl<T: Clocked + ?Sized> Clocked for &T {
    fn clock_facts(&self) -> ClockFacts {
        (**self).clock_facts()
    }
}

impl Status {
    /// Can an incident in this status still have a running clock? Closed, merged and declined
    /// incidents cannot: an SLA policy change need not look at them.
    pub fn clocks_can_run(self) -> bool {
        !Self::CLOCKS_STOPPED.contains(&self)
    }

    /// The statuses in which no clock runs.
    pub const CLOCKS_STOPPED: [Status; 3] = [Status::Closed, Status::Merged, Status::Declined];
}

/// The clocks `policy` puts on `incident`, as of `now`: when each started, when it is due, and
/// whether it has stopped. A merged or declined incident has none. Computed from the incident's
/// `ClockFacts` only.
pub fn clocks(incident: &impl Clocked, policy: &SlaPolicy, now: DateTime<Utc>) -> Vec<Clock> {
    let incident = incident.clock_facts();
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

/// The next instant the breach recorder must look at `incident`: the earliest deadline of a
/// running clock whose breach is not `recorded` yet; `None` when there is none, or when its
/// clocks cannot run. It does not depend on when it is asked: `clocks` puts no pauses on a
/// clock, so a running clock's deadline is fixed by its start, its target and the calendar.
/// (Were pauses ever passed, a paused clock would have no deadline and the recorder would have
/// to be told when it resumes.) Stored with the incident (`incidents.sla_due`) by every write.
pub fn next_due(
    incident: &impl Clocked,
    policy: &SlaPolicy,
    recorded: impl Fn(ClockKind, DateTime<Utc>) -> bool,
) -> Option<DateTime<Utc>> {
    let facts = incident.clock_facts();
    if !facts.status.clocks_can_run() {
        return None;
    }
    clocks(&facts, policy, facts.detected_at)
        .into_iter()
        .filter(|c| c.running() && !recorded(c.kind, c.started_at))
        .filter_map(|c| c.deadline)
        .min()
}

impl Clocked for ClockFacts {
    fn clock_facts(&self) -> ClockFacts {
        self.clone()
    }
}

/// What changing the policy from `before` to `after` does to `incident`'s running clocks at
/// `now`: each clock whose target or deadline moved, one that starts, one that no longer
/// applies. Empty when nothing the incident's responders count to changes.
pub fn policy_changes(
    incident: &impl Clocked,
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
    use crate::domain::*;
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
            Command::Declare(Declaration {
                title: "Down".into(),
                severity: Severity::Sev1,
                summary: String::new(),
            }),
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
        run(
            &mut state,
            Command::Lifecycle(LifecycleCommand::Acknowledge),
            3,
        );
        let all = clocks(state.as_ref().unwrap(), &policy, at(10));
        let ack = find(&all, ClockKind::Acknowledge).unwrap();
        assert_eq!((ack.state, ack.stopped_at), (ClockState::Met, Some(at(3))));
        assert!(!ack.breached(at(10)));

        // A public update restarts the update clock.
        run(
            &mut state,
            Command::Timeline(TimelineCommand::PublishUpdate {
                visibility: crate::domain::Visibility::Public,
                body: "We are on it".into(),
            }),
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
            Command::Lifecycle(LifecycleCommand::ChangeStatus {
                status: Status::Resolved,
                expected_version: v,
            }),
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
    fn the_next_due_deadline_skips_stopped_and_recorded_clocks() {
        let policy = SlaPolicy::default();
        let mut state = None;
        run(
            &mut state,
            Command::Declare(Declaration {
                title: "Down".into(),
                severity: Severity::Sev1,
                summary: String::new(),
            }),
            0,
        );
        let inc = state.clone().unwrap();
        let none = |_: ClockKind, _: DateTime<Utc>| false;
        // Acknowledge (5 min) is the first to fall due; once recorded, the next update (30 min).
        assert_eq!(next_due(&inc, &policy, none), Some(at(5)));
        assert_eq!(
            next_due(&inc, &policy, |k, _| k == ClockKind::Acknowledge),
            Some(at(30))
        );
        run(
            &mut state,
            Command::Lifecycle(LifecycleCommand::Acknowledge),
            3,
        );
        assert_eq!(
            next_due(state.as_ref().unwrap(), &policy, none),
            Some(at(30))
        );
        let mut stopped = state.clone().unwrap();
        for status in Status::CLOCKS_STOPPED {
            stopped.status = status;
            assert_eq!(next_due(&stopped, &policy, none), None, "{status:?}");
        }
        assert_eq!(
            state.as_ref().unwrap().sla_due(&policy),
            Some(at(30)),
            "the incident asks the same rule with its recorded breaches"
        );
    }

    #[test]
    fn a_policy_change_lists_exactly_the_running_clocks_it_moves() {
        let before = SlaPolicy::default();
        let mut state = None;
        run(
            &mut state,
            Command::Declare(Declaration {
                title: "Down".into(),
                severity: Severity::Sev2,
                summary: String::new(),
            }),
            0,
        );
        run(
            &mut state,
            Command::Lifecycle(LifecycleCommand::Acknowledge),
            3,
        );
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
        let mut newer = RevisedPolicy::new(2, SlaPolicy::default());
        newer.policy.severities[0].acknowledge = Some(Target::minutes(9));
        assert!(held.update(&newer));
        assert_eq!(held, newer);
        // A late event from revision 1 does not undo revision 2.
        assert!(!held.update(&RevisedPolicy::new(1, SlaPolicy::default())));
        assert_eq!(held.revision, 2);

        // Applying a policy change moves the version only: the admin does not become a
        // participant ("Mine") and the incident does not count as recently updated.
        let mut state = None;
        run(
            &mut state,
            Command::Declare(Declaration {
                title: "Down".into(),
                severity: Severity::Sev1,
                summary: String::new(),
            }),
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
}
