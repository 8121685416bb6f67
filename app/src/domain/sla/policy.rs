//! The SLA policy: how long each clock of each severity may run (defaults from product.md), and
//! the calendar business time is counted by.

use chrono::Duration;
use serde::{Deserialize, Serialize};

use super::calendar::Calendar;
use super::clock::ClockKind;
use crate::domain::incident::values::Severity;

/// How long a target is, in the unit an admin thinks in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Minutes,
    Hours,
    Days,
    BusinessHours,
    /// Working days of the calendar (a working day is its opening hours long).
    BusinessDays,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Target {
    pub amount: u32,
    pub unit: Unit,
}

impl Target {
    pub const fn minutes(amount: u32) -> Target {
        Target {
            amount,
            unit: Unit::Minutes,
        }
    }
    pub const fn hours(amount: u32) -> Target {
        Target {
            amount,
            unit: Unit::Hours,
        }
    }
    pub const fn days(amount: u32) -> Target {
        Target {
            amount,
            unit: Unit::Days,
        }
    }
    pub const fn business_hours(amount: u32) -> Target {
        Target {
            amount,
            unit: Unit::BusinessHours,
        }
    }
    pub const fn business_days(amount: u32) -> Target {
        Target {
            amount,
            unit: Unit::BusinessDays,
        }
    }

    /// Refuses a target longer than [`Target::MAX_DAYS`] days in its unit: a clock that long
    /// measures nothing, and a longer one would overflow the deadline arithmetic.
    /// Business hours count against `calendar`'s working day: a year of them is 365 working
    /// days, not 365 × 24 hours (which a short working day would stretch past any deadline).
    pub fn check(&self, calendar: &Calendar) -> Result<(), String> {
        let days = Self::MAX_DAYS as usize;
        let working_hours = (calendar.day_length().num_hours().max(1)) as usize;
        let (most, unit) = match self.unit {
            Unit::Minutes => (days * 24 * 60, "minutes"),
            Unit::Hours => (days * 24, "hours"),
            Unit::BusinessHours => (days * working_hours, "business hours"),
            Unit::Days => (days, "days"),
            Unit::BusinessDays => (days, "business days"),
        };
        if self.amount as usize > most {
            return Err(format!(
                "{} is too long: a target can be at most {} days ({} {unit}).",
                self.label(),
                Self::MAX_DAYS,
                crate::domain::display::thousands(most)
            ));
        }
        Ok(())
    }

    /// The longest target, in days of its unit.
    pub const MAX_DAYS: u32 = 365;

    /// Counted in business time (by the calendar) rather than wall-clock time?
    pub fn is_business(&self) -> bool {
        matches!(self.unit, Unit::BusinessHours | Unit::BusinessDays)
    }

    /// The target as a length of counted time, with `calendar` for business days.
    pub fn length(&self, calendar: &Calendar) -> Duration {
        let n = i64::from(self.amount);
        match self.unit {
            Unit::Minutes => Duration::minutes(n),
            Unit::Hours | Unit::BusinessHours => Duration::hours(n),
            Unit::Days => Duration::days(n),
            Unit::BusinessDays => calendar.day_length() * self.amount as i32,
        }
    }

    /// "30 min", "4 h", "3 days", "5 business days".
    pub fn label(&self) -> String {
        let n = self.amount;
        let plural = |one: &str, many: &str| {
            if n == 1 {
                one.to_owned()
            } else {
                many.to_owned()
            }
        };
        match self.unit {
            Unit::Minutes => format!("{n} min"),
            Unit::Hours => format!("{n} h"),
            Unit::Days => format!("{n} {}", plural("day", "days")),
            Unit::BusinessHours => format!("{n} business {}", plural("hour", "hours")),
            Unit::BusinessDays => format!("{n} business {}", plural("day", "days")),
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
