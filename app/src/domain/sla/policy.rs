//! The SLA policy: how long each clock of each severity may run (defaults from product.md), and
//! the calendar business time is counted by.

use serde::{Deserialize, Serialize};

use super::calendar::Calendar;
use super::clock::ClockKind;
use super::target::Target;
use super::zone::ZoneOffsets;
use crate::domain::incident::values::Severity;
use crate::domain::ticket::values::Priority;

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

/// The ticket targets of one priority (Zendesk's three); `None`: that clock does not apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PriorityTargets {
    pub priority: Priority,
    /// From the ticket's creation to the first public reply by an agent.
    pub first_reply: Option<Target>,
    /// From the oldest unanswered reply of the requester to the next public agent reply.
    pub next_reply: Option<Target>,
    /// New and Open time until Solved.
    pub resolution: Option<Target>,
}

/// The SLA policy: incident targets per severity, ticket targets per priority, and the calendar
/// business time is counted by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SlaPolicy {
    pub calendar: Calendar,
    pub severities: Vec<SeverityTargets>,
    /// Absent from policies saved before tickets: product.md's defaults.
    #[serde(default = "default_priorities")]
    pub priorities: Vec<PriorityTargets>,
}

/// product.md's ticket targets, in business time.
fn default_priorities() -> Vec<PriorityTargets> {
    use Target as T;
    let row = |priority, first_reply, next_reply, resolution| PriorityTargets {
        priority,
        first_reply: Some(first_reply),
        next_reply: Some(next_reply),
        resolution: Some(resolution),
    };
    vec![
        row(
            Priority::Urgent,
            T::business_hours(1),
            T::business_hours(2),
            T::business_hours(4),
        ),
        row(
            Priority::High,
            T::business_hours(4),
            T::business_hours(8),
            T::business_days(2),
        ),
        row(
            Priority::Normal,
            T::business_hours(8),
            T::business_days(1),
            T::business_days(5),
        ),
        row(
            Priority::Low,
            T::business_days(1),
            T::business_days(2),
            T::business_days(10),
        ),
    ]
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
            priorities: default_priorities(),
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

    /// The ticket targets of `priority` (none when the policy does not list it).
    pub fn ticket_targets(&self, priority: Priority) -> PriorityTargets {
        self.priorities
            .iter()
            .find(|t| t.priority == priority)
            .copied()
            .unwrap_or(PriorityTargets {
                priority,
                first_reply: None,
                next_reply: None,
                resolution: None,
            })
    }

    /// Checks a policy from an admin's edit: a valid calendar, each severity and priority once,
    /// no zero targets.
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
        for p in Priority::ALL {
            if self.priorities.iter().filter(|t| t.priority == p).count() > 1 {
                return Err(format!("{} is listed more than once.", p.label()));
            }
        }
        for t in &self.priorities {
            for (name, target) in [
                ("first reply", t.first_reply),
                ("next reply", t.next_reply),
                ("resolution", t.resolution),
            ] {
                let Some(target) = target else {
                    continue;
                };
                let label = t.priority.label();
                if target.amount == 0 {
                    return Err(format!(
                        "{label} tickets: the {name} target must be at least 1 (leave it out \
                         for no target)."
                    ));
                }
                target
                    .check(&self.calendar)
                    .map_err(|e| format!("{label} tickets: the {name} target {e}"))?;
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
    /// The offsets of the calendar's time zone around now, when the server sends the policy to
    /// a page: the browser has no time-zone database (see `zone`). Not stored; absent from a
    /// policy a live event carries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<ZoneOffsets>,
}

impl RevisedPolicy {
    /// `policy` at `revision`, as stored (no zone offsets).
    pub fn new(revision: u64, policy: SlaPolicy) -> RevisedPolicy {
        RevisedPolicy {
            revision,
            policy,
            zone: None,
        }
    }

    /// Takes `other` if it is newer, and keeps the zone offsets it came with; says whether the
    /// clocks must be counted again (a newer policy, or offsets of a zone not known before).
    pub fn update(&mut self, other: &RevisedPolicy) -> bool {
        let learned = other.learn_zone();
        let newer = other.revision > self.revision;
        if newer {
            *self = other.clone();
        }
        newer || learned
    }

    /// Keeps the zone offsets this policy came with, for the clocks; says whether they were new.
    pub fn learn_zone(&self) -> bool {
        self.zone.as_ref().is_some_and(super::zone::learn)
    }

    /// Can the clocks be counted here? Not in a browser that has yet to be sent the offsets of
    /// the calendar's zone (a live change to a new zone): fetch the policy again.
    pub fn zone_known(&self) -> bool {
        super::zone::named(&self.policy.calendar.time_zone).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let mut policy = SlaPolicy::default();
        policy.priorities.push(policy.priorities[0]);
        assert!(policy
            .validate()
            .unwrap_err()
            .contains("Urgent is listed more than once"));
        let mut policy = SlaPolicy::default();
        policy.priorities[1].resolution = Some(Target::days(0));
        let err = policy.validate().unwrap_err();
        assert!(err.contains("High tickets: the resolution target"), "{err}");
        // A policy saved before tickets has product.md's ticket targets.
        let mut stored = serde_json::to_value(SlaPolicy::default()).unwrap();
        stored.as_object_mut().unwrap().remove("priorities");
        let read: SlaPolicy = serde_json::from_value(stored).unwrap();
        assert_eq!(
            read.ticket_targets(Priority::Normal).first_reply,
            Some(Target::business_hours(8))
        );
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
