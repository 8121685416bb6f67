use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{parse_key, RoleBoard};

/// Longest incident title, in characters.
pub const TITLE_MAX_CHARS: usize = 200;
/// Longest incident summary, in characters.
pub const SUMMARY_MAX_CHARS: usize = 10_000;
/// Longest note, in characters.
pub const NOTE_MAX_CHARS: usize = 20_000;
/// Longest reason given for a change (severity, timestamps), in characters.
pub const REASON_MAX_CHARS: usize = 500;
/// Longest "what customers see", in characters.
pub const IMPACT_MAX_CHARS: usize = 2_000;
/// Longest status update, in characters.
pub const UPDATE_MAX_CHARS: usize = 5_000;

/// How bad it is. SEV1 and SEV2 are major incidents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Sev1,
    Sev2,
    Sev3,
    Sev4,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Sev1,
        Severity::Sev2,
        Severity::Sev3,
        Severity::Sev4,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Severity::Sev1 => "sev1",
            Severity::Sev2 => "sev2",
            Severity::Sev3 => "sev3",
            Severity::Sev4 => "sev4",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Severity::Sev1 => "SEV1",
            Severity::Sev2 => "SEV2",
            Severity::Sev3 => "SEV3",
            Severity::Sev4 => "SEV4",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Severity::Sev1 => "Critical: all customers, data loss or security",
            Severity::Sev2 => "Major: a subset of customers or a major function",
            Severity::Sev3 => "Minor: degraded, with a workaround",
            Severity::Sev4 => "Low: cosmetic or internal",
        }
    }

    /// Major incidents need a commander and a post-mortem.
    pub fn is_major(self) -> bool {
        matches!(self, Severity::Sev1 | Severity::Sev2)
    }

    /// Parses a severity key such as `sev2` (case-insensitive), with a message naming the valid ones.
    pub fn parse(input: &str) -> Result<Severity, String> {
        parse_key(input, "severity", &Severity::ALL, Severity::key)
    }
}

/// Where the incident is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Triage,
    Investigating,
    Identified,
    Monitoring,
    Resolved,
    Closed,
    Declined,
    Merged,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::Triage,
        Status::Investigating,
        Status::Identified,
        Status::Monitoring,
        Status::Resolved,
        Status::Closed,
        Status::Declined,
        Status::Merged,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Status::Triage => "triage",
            Status::Investigating => "investigating",
            Status::Identified => "identified",
            Status::Monitoring => "monitoring",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
            Status::Declined => "declined",
            Status::Merged => "merged",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Triage => "Triage",
            Status::Investigating => "Investigating",
            Status::Identified => "Identified",
            Status::Monitoring => "Monitoring",
            Status::Resolved => "Resolved",
            Status::Closed => "Closed",
            Status::Declined => "Declined",
            Status::Merged => "Merged",
        }
    }

    pub fn parse(input: &str) -> Result<Status, String> {
        parse_key(input, "status", &Status::ALL, Status::key)
    }

    /// The statuses an incident may move to from here by a status change. `Merged` is reached only
    /// by merging into another incident, never by a plain status change.
    pub fn allowed_next(self) -> &'static [Status] {
        use Status::*;
        match self {
            Triage => &[Investigating, Identified, Monitoring, Resolved, Declined],
            Investigating => &[Identified, Monitoring, Resolved],
            Identified => &[Investigating, Monitoring, Resolved],
            Monitoring => &[Investigating, Identified, Resolved],
            Resolved => &[Investigating, Closed],
            Declined => &[Triage],
            Closed | Merged => &[],
        }
    }

    pub fn can_move_to(self, next: Status) -> bool {
        self.allowed_next().contains(&next)
    }

    /// Still being worked on (not resolved, closed, declined or merged).
    pub fn is_active(self) -> bool {
        matches!(
            self,
            Status::Triage | Status::Investigating | Status::Identified | Status::Monitoring
        )
    }

    /// Nothing more can happen to the incident.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Closed | Status::Merged)
    }
}

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

/// An SLA clock that missed its deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Breach {
    pub clock: super::ClockKind,
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
    pub fn breached(&self, clock: super::ClockKind, started_at: DateTime<Utc>) -> bool {
        self.breaches
            .iter()
            .any(|b| b.clock == clock && b.started_at == started_at)
    }

    /// A major incident that is still being worked on must have an Incident Commander: true
    /// while it has none. `major` is the configured meaning of its severity.
    pub fn needs_commander(&self, major: bool) -> bool {
        major
            && self.status.is_active()
            && self
                .roles
                .holders(super::INCIDENT_COMMANDER)
                .next()
                .is_none()
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

/// How many customers are affected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Affected {
    #[default]
    Unknown,
    Few,
    Some,
    All,
}

impl Affected {
    pub const ALL: [Affected; 4] = [
        Affected::Unknown,
        Affected::Few,
        Affected::Some,
        Affected::All,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Affected::Unknown => "unknown",
            Affected::Few => "few",
            Affected::Some => "some",
            Affected::All => "all",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Affected::Unknown => "Not yet known",
            Affected::Few => "A few customers",
            Affected::Some => "Some customers",
            Affected::All => "All customers",
        }
    }

    pub fn parse(input: &str) -> Result<Affected, String> {
        parse_key(
            input,
            "number of affected customers",
            &Affected::ALL,
            Affected::key,
        )
    }
}

/// The impact assessment: the questions responders answer early.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Impact {
    /// What customers see, in their words.
    pub customer_impact: String,
    pub affected: Affected,
}

/// A service as an incident names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ServiceRef {
    pub id: i64,
    pub name: String,
}

/// The moments every incident records. They feed the SLA timers and the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Milestone {
    Started,
    Detected,
    Acknowledged,
    Mitigated,
    Resolved,
    Closed,
}

impl Milestone {
    /// In the order they must happen.
    pub const ALL: [Milestone; 6] = [
        Milestone::Started,
        Milestone::Detected,
        Milestone::Acknowledged,
        Milestone::Mitigated,
        Milestone::Resolved,
        Milestone::Closed,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Milestone::Started => "started",
            Milestone::Detected => "detected",
            Milestone::Acknowledged => "acknowledged",
            Milestone::Mitigated => "mitigated",
            Milestone::Resolved => "resolved",
            Milestone::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Milestone::Started => "Started",
            Milestone::Detected => "Detected",
            Milestone::Acknowledged => "Acknowledged",
            Milestone::Mitigated => "Mitigated",
            Milestone::Resolved => "Resolved",
            Milestone::Closed => "Closed",
        }
    }

    pub fn parse(input: &str) -> Result<Milestone, String> {
        parse_key(input, "timestamp", &Milestone::ALL, Milestone::key)
    }
}

/// Who a status update is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Responders and stakeholders.
    Internal,
    /// Also customers (the status page).
    Public,
}

impl Visibility {
    pub const ALL: [Visibility; 2] = [Visibility::Internal, Visibility::Public];

    pub fn key(self) -> &'static str {
        match self {
            Visibility::Internal => "internal",
            Visibility::Public => "public",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Visibility::Internal => "Internal",
            Visibility::Public => "Public",
        }
    }

    pub fn parse(input: &str) -> Result<Visibility, String> {
        parse_key(input, "visibility", &Visibility::ALL, Visibility::key)
    }
}

/// A count for people: `20000` -> `20,000`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A duration for people: `45s`, `12m`, `3h 05m`, `2d 4h`.
pub fn human_duration(d: chrono::Duration) -> String {
    let secs = d.num_seconds().max(0);
    let (days, hours, mins) = (secs / 86_400, (secs % 86_400) / 3600, (secs % 3600) / 60);
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {mins:02}m")
    } else if mins > 0 {
        format!("{mins}m")
    } else {
        format!("{secs}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_parse_accepts_keys_and_names_the_valid_ones() {
        assert_eq!(Severity::parse("SEV2"), Ok(Severity::Sev2));
        let err = Severity::parse("sev5").unwrap_err();
        assert!(err.contains("sev1, sev2, sev3, sev4"), "{err}");
    }

    #[test]
    fn merged_is_never_a_plain_transition() {
        for s in Status::ALL {
            assert!(!s.can_move_to(Status::Merged), "{s:?}");
        }
    }

    #[test]
    fn final_statuses_have_no_way_out() {
        assert!(Status::Closed.allowed_next().is_empty());
        assert!(Status::Merged.allowed_next().is_empty());
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(200), "200");
        assert_eq!(thousands(20_000), "20,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn human_duration_picks_the_right_unit() {
        assert_eq!(human_duration(chrono::Duration::seconds(42)), "42s");
        assert_eq!(human_duration(chrono::Duration::seconds(125)), "2m");
        assert_eq!(
            human_duration(chrono::Duration::seconds(3 * 3600 + 300)),
            "3h 05m"
        );
        assert_eq!(
            human_duration(chrono::Duration::seconds(2 * 86_400 + 4 * 3600)),
            "2d 4h"
        );
    }
}
