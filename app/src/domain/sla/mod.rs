//! Service levels: the calendar time is counted by, the policy (a setting admins edit), one
//! clock, and the clocks a policy puts on an incident.

pub mod calendar;
pub mod clock;
pub mod clocks;
pub mod policy;
pub mod target;
pub mod zone;

pub use calendar::{Calendar, Counting, Pause};
pub use clock::{
    due_soon, state_at, Clock, ClockChange, ClockKind, ClockState, Timing, DUE_SOON_AFTER,
};
pub use clocks::{clocks, next_due, policy_changes, ClockFacts, Clocked};
pub use policy::{PriorityTargets, RevisedPolicy, SeverityTargets, SlaPolicy};
pub use target::{Target, Unit};
pub use zone::ZoneOffsets;
