//! The incident as everyone sees it: the fold of its events, and what can be read off it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::values::{Impact, Milestone, ServiceRef, Severity, Status};
use crate::domain::roles::board::RoleBoard;
use crate::domain::roles::catalog::INCIDENT_COMMANDER;
use crate::domain::sla::clock::ClockKind;
use crate::domain::sla::clocks::{next_due, ClockFacts, Clocked};
use crate::domain::sla::policy::SlaPolicy;

/// The incident as everyone sees it: the fold of its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Incident {
    pub id: i64,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    pub summary: String,
    /// Increases by one with every event; send it back as `expected_version` when changing the incident.
    pub version: i64,
    pub declared_by: i64,
    pub declared_by_name: String,
    pub declared_at: DateTime<Utc>,
    pub started_at: DateTime<Utc>,
    pub detected_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub mitigated_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// What customers see and how many are affected.
    #[serde(default)]
    pub impact: Impact,
    /// The services this incident affects, in the order they were linked.
    #[serde(default)]
    pub services: Vec<ServiceRef>,
    /// Timeline entries (event ids) pinned as key moments.
    #[serde(default)]
    pub pinned: Vec<i64>,
    /// Notes (event ids) their authors deleted.
    #[serde(default)]
    pub deleted_notes: Vec<i64>,
    /// Edited notes and where their latest edit is: a note read apart from the events after it
    /// (a key moment shown before its page is loaded, an export batch) finds its text by this.
    #[serde(default)]
    pub note_edits: Vec<NoteEdit>,
    /// Everyone who has changed or written anything here (user ids), first come first.
    #[serde(default)]
    pub participants: Vec<i64>,
    /// Set when this incident was merged into another as a duplicate.
    #[serde(default)]
    pub merged_into: Option<i64>,
    /// When the last public status update went out.
    #[serde(default)]
    pub last_public_update_at: Option<DateTime<Utc>>,
    /// Who holds which role, who held it before, and the ticked checklist items.
    #[serde(default)]
    pub roles: RoleBoard,
    /// SLA deadlines missed, as recorded by the server.
    #[serde(default)]
    pub breaches: Vec<Breach>,
}

/// A note (its event id) and the stream version of its latest edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NoteEdit {
    pub note: i64,
    pub version: i64,
}

/// An SLA clock that missed its deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Breach {
    pub clock: ClockKind,
    /// When that run of the clock started (a restarted clock, like next update, can breach again).
    pub started_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
}

impl Incident {
    /// When a milestone happened, if it has.
    pub fn milestone(&self, m: Milestone) -> Option<DateTime<Utc>> {
        match m {
            Milestone::Started => Some(self.started_at),
            Milestone::Detected => Some(self.detected_at),
            Milestone::Acknowledged => self.acknowledged_at,
            Milestone::Mitigated => self.mitigated_at,
            Milestone::Resolved => self.resolved_at,
            Milestone::Closed => self.closed_at,
        }
    }

    /// Sets a milestone that has happened (started and detected always have).
    pub(crate) fn set_milestone(&mut self, m: Milestone, at: DateTime<Utc>) {
        match m {
            Milestone::Started => self.started_at = at,
            Milestone::Detected => self.detected_at = at,
            Milestone::Acknowledged => self.acknowledged_at = Some(at),
            Milestone::Mitigated => self.mitigated_at = Some(at),
            Milestone::Resolved => self.resolved_at = Some(at),
            Milestone::Closed => self.closed_at = Some(at),
        }
    }

    /// The timestamps must follow started ≤ detected ≤ acknowledged ≤ mitigated ≤ resolved ≤
    /// closed (those that have happened). The error names the broken rule.
    pub fn check_milestones(&self) -> Result<(), String> {
        let mut previous: Option<(Milestone, DateTime<Utc>)> = None;
        for m in Milestone::ALL {
            let Some(at) = self.milestone(m) else {
                continue;
            };
            if let Some((pm, pat)) = previous {
                if at < pat {
                    return Err(format!(
                        "{} ({}) cannot be before {} ({}): the order is started ≤ detected ≤ \
                         acknowledged ≤ mitigated ≤ resolved ≤ closed.",
                        m.label(),
                        at.format("%Y-%m-%d %H:%M UTC"),
                        pm.label().to_lowercase(),
                        pat.format("%Y-%m-%d %H:%M UTC"),
                    ));
                }
            }
            previous = Some((m, at));
        }
        Ok(())
    }

    /// Is the breach of this run of `clock` recorded?
    pub fn breached(&self, clock: ClockKind, started_at: DateTime<Utc>) -> bool {
        self.breaches
            .iter()
            .any(|b| b.clock == clock && b.started_at == started_at)
    }

    /// When the breach recorder must next look at it under `policy` (`sla::next_due`, with the
    /// breaches it has recorded).
    pub fn sla_due(&self, policy: &SlaPolicy) -> Option<DateTime<Utc>> {
        next_due(self, policy, |clock, started_at| {
            self.breached(clock, started_at)
        })
    }

    /// A major incident that is still being worked on must have an Incident Commander: true
    /// while it has none. `major` is the configured meaning of its severity.
    pub fn needs_commander(&self, major: bool) -> bool {
        major && self.status.is_active() && self.roles.holders(INCIDENT_COMMANDER).next().is_none()
    }

    /// Has this person taken part (declared, wrote or changed anything)?
    pub fn involves(&self, user_id: i64) -> bool {
        self.declared_by == user_id || self.participants.contains(&user_id)
    }

    /// When the incident stopped being open, if it has.
    pub fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.resolved_at.or(self.closed_at)
    }

    /// How long the incident has been (or was) open, measured from detection.
    pub fn open_for(&self, now: DateTime<Utc>) -> chrono::Duration {
        let end = if self.status.is_active() {
            now
        } else {
            self.ended_at().unwrap_or(self.updated_at)
        };
        (end - self.detected_at).max(chrono::Duration::zero())
    }

    /// The human reference, e.g. `INC-42`.
    pub fn reference(&self) -> String {
        format!("INC-{}", self.id)
    }
}

impl Clocked for Incident {
    fn clock_facts(&self) -> ClockFacts {
        ClockFacts {
            status: self.status,
            severity: self.severity,
            detected_at: self.detected_at,
            acknowledged_at: self.acknowledged_at,
            last_public_update_at: self.last_public_update_at,
            mitigated_at: self.mitigated_at,
            resolved_at: self.resolved_at,
            closed_at: self.closed_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::domain::*;
    #[test]
    fn a_major_incident_needs_a_commander_while_it_is_open() {
        use crate::domain::UserRole;
        let mut state = declared();
        assert!(state.as_ref().unwrap().needs_commander(true));
        assert!(!state.as_ref().unwrap().needs_commander(false));
        let iris = user(1, "Iris Chen", UserRole::Admin);
        let c = Context {
            person: Some(&iris),
            ..ctx(1)
        };
        let cmd = assign(&state, "incident_commander", &iris);
        run(&mut state, &cmd, &c).unwrap();
        assert!(!state.as_ref().unwrap().needs_commander(true));
        let relieve = Command::Roles(RoleCommand::Relieve {
            role: "incident_commander".into(),
            person_id: 1,
            expected_version: 1,
        });
        run(&mut state, &relieve, &ctx(2)).unwrap();
        assert!(state.as_ref().unwrap().needs_commander(true));
    }
}
