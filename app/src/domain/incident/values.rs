//! The closed sets an incident's fields draw from: severity, status (and where a status may go),
//! impact, the milestones it records, who a status update is for.

use serde::{Deserialize, Serialize};

use crate::domain::keys::parse_key;

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
}
