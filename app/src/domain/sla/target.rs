//! How long a clock may run: an amount in the unit an admin thinks in, wall-clock or business
//! time.

use chrono::Duration;
use serde::{Deserialize, Serialize};

use super::calendar::Calendar;

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
