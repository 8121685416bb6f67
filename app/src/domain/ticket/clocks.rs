//! A ticket's SLA clocks, defined as Zendesk defines them: first reply (creation → the first
//! public agent reply), next reply (the oldest unanswered requester reply → the next public
//! agent reply) and resolution (New and Open time until Solved). The reply clocks stand still
//! while the ticket waits (Pending, On-hold); all of them count the policy's business hours when
//! their targets are in business units. Solving a ticket meets every clock still running.
//!
//! The deadlines do not depend on the time of asking, only on the ticket and the policy: the
//! server stores the earliest (`sla_due`) for the queue's order and its breach recorder.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::state::Ticket;
use crate::domain::sla::clock::{ClockState, Timing};
use crate::domain::sla::policy::SlaPolicy;
use crate::domain::sla::target::Target;

/// The clocks a ticket can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketClockKind {
    FirstReply,
    NextReply,
    Resolution,
}

impl TicketClockKind {
    pub const ALL: [TicketClockKind; 3] = [
        TicketClockKind::FirstReply,
        TicketClockKind::NextReply,
        TicketClockKind::Resolution,
    ];

    pub fn key(self) -> &'static str {
        match self {
            TicketClockKind::FirstReply => "first_reply",
            TicketClockKind::NextReply => "next_reply",
            TicketClockKind::Resolution => "resolution",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TicketClockKind::FirstReply => "First reply",
            TicketClockKind::NextReply => "Next reply",
            TicketClockKind::Resolution => "Resolution",
        }
    }
}

/// One clock of one ticket, as of `now`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TicketClock {
    pub kind: TicketClockKind,
    pub target: Target,
    pub started_at: DateTime<Utc>,
    /// `None` while it stands still with no end in sight (the ticket is waiting).
    pub deadline: Option<DateTime<Utc>>,
    pub due_soon_at: Option<DateTime<Utc>>,
    pub stopped_at: Option<DateTime<Utc>>,
    pub paused_seconds: i64,
    pub state: ClockState,
}

impl TicketClock {
    /// Was its deadline missed (before it stopped, or by `now`)?
    pub fn breached(&self, now: DateTime<Utc>) -> bool {
        crate::domain::sla::clock::missed(self.deadline, self.stopped_at, now)
    }
}

impl Ticket {
    /// The clocks `policy` puts on this ticket, as of `now`.
    pub fn clocks(&self, policy: &SlaPolicy, now: DateTime<Utc>) -> Vec<TicketClock> {
        let targets = policy.ticket_targets(self.priority);
        let solved = self.status.is_solved().then_some(self.solved_at).flatten();
        let mut clocks = Vec::with_capacity(3);
        let mut add = |kind, target: Option<Target>, started_at, stopped_at, pauses: &[_]| {
            if let Some(target) = target {
                let t = Timing::of(
                    target,
                    started_at,
                    stopped_at,
                    pauses,
                    &policy.calendar,
                    now,
                );
                clocks.push(TicketClock {
                    kind,
                    target,
                    started_at,
                    deadline: t.deadline,
                    due_soon_at: t.due_soon_at,
                    stopped_at,
                    paused_seconds: t.paused_seconds,
                    state: t.state,
                });
            }
        };
        add(
            TicketClockKind::FirstReply,
            targets.first_reply,
            self.created_at,
            self.first_reply_at.or(solved),
            &self.waiting,
        );
        if let Some(since) = self.awaiting_reply_since.filter(|_| solved.is_none()) {
            add(
                TicketClockKind::NextReply,
                targets.next_reply,
                since,
                None,
                &self.waiting,
            );
        }
        add(
            TicketClockKind::Resolution,
            targets.resolution,
            self.created_at,
            solved,
            &self.not_worked,
        );
        clocks
    }

    /// The earliest deadline of its running clocks: what the queue orders by and when the
    /// breach recorder looks at it next. `None` when nothing is running towards a deadline
    /// (solved, or waiting).
    pub fn sla_due(&self, policy: &SlaPolicy) -> Option<DateTime<Utc>> {
        // The deadlines do not depend on the time of asking.
        self.clocks(policy, self.updated_at)
            .iter()
            .filter(|c| c.stopped_at.is_none())
            .filter_map(|c| c.deadline)
            .min()
    }

    /// Where the ticket stands in the queue (`queue_order`).
    pub fn urgency(&self, policy: &SlaPolicy) -> Urgency {
        Urgency {
            due: self.sla_due(policy),
            created_at: self.created_at,
            id: self.id,
        }
    }
}

/// A ticket's place in the queue: by SLA urgency — breached first, longest overdue first (the
/// earliest deadline); then the soonest due; then those with nothing due, oldest first. One
/// ascending key, so the server pages it with one index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Urgency {
    pub due: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub id: i64,
}

impl Ord for Urgency {
    fn cmp(&self, other: &Self) -> Ordering {
        let due = match (self.due, other.due) {
            (Some(a), Some(b)) => a.cmp(&b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        due.then(self.created_at.cmp(&other.created_at))
            .then(self.id.cmp(&other.id))
    }
}

impl PartialOrd for Urgency {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
