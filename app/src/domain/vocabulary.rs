//! The words and numbers screens show for severities and statuses, and the status-update
//! templates. They come from configuration (the server loads them, defaults from product.md) and
//! travel to the browser with every snapshot, so no screen hard-codes a label.
//!
//! The *set* of severities and statuses is fixed by the lifecycle rules; what each one is called,
//! how it is described and whether a severity is major are configurable. (How often a public
//! update is due is the SLA policy's next-update target.)

use serde::{Deserialize, Serialize};

use super::incident::values::{Severity, Status};
use super::roles::catalog::RoleCatalog;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SeverityDef {
    pub severity: Severity,
    pub label: String,
    pub description: String,
    /// Major incidents need a commander and a post-mortem.
    pub major: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StatusDef {
    pub status: Status,
    pub label: String,
    pub description: String,
}

/// The starting text of a status update written while the incident is in `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UpdateTemplate {
    pub status: Status,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Vocabulary {
    pub severities: Vec<SeverityDef>,
    pub statuses: Vec<StatusDef>,
    pub update_templates: Vec<UpdateTemplate>,
    /// The incident roles (an admin's edits, kept in the database, replace the configured ones).
    #[serde(default)]
    pub roles: RoleCatalog,
}

impl Default for Vocabulary {
    fn default() -> Self {
        let status_description = |s: Status| match s {
            Status::Triage => "Reported; deciding whether and how bad",
            Status::Investigating => "Working out what is wrong",
            Status::Identified => "The cause is known; a fix is under way",
            Status::Monitoring => "A fix is in; watching that it holds",
            Status::Resolved => "Customers are no longer affected",
            Status::Closed => "Done, including the post-mortem",
            Status::Declined => "Not an incident",
            Status::Merged => "A duplicate of another incident",
        };
        let template = |s: Status| match s {
            Status::Investigating => Some(
                "We are investigating reports of [what customers see]. \
                 Some customers may [impact]. We will update you by [time].",
            ),
            Status::Identified => Some(
                "We have identified the cause of [problem] and are working on a fix. \
                 We will update you by [time].",
            ),
            Status::Monitoring => Some(
                "A fix has been applied and we are monitoring the results. \
                 [What customers should see now].",
            ),
            Status::Resolved => Some(
                "This incident has been resolved. [What happened, briefly]. \
                 We apologise for the disruption.",
            ),
            _ => None,
        };
        Vocabulary {
            severities: Severity::ALL
                .iter()
                .map(|&s| SeverityDef {
                    severity: s,
                    label: s.label().to_owned(),
                    description: s.description().to_owned(),
                    major: s.is_major(),
                })
                .collect(),
            statuses: Status::ALL
                .iter()
                .map(|&s| StatusDef {
                    status: s,
                    label: s.label().to_owned(),
                    description: status_description(s).to_owned(),
                })
                .collect(),
            update_templates: Status::ALL
                .iter()
                .filter_map(|&s| {
                    template(s).map(|t| UpdateTemplate {
                        status: s,
                        text: t.to_owned(),
                    })
                })
                .collect(),
            roles: RoleCatalog::default(),
        }
    }
}

impl Vocabulary {
    /// Checks a configured vocabulary: every severity and status named exactly once, with a label.
    pub fn validate(&self) -> Result<(), String> {
        for s in Severity::ALL {
            let defs: Vec<_> = self.severities.iter().filter(|d| d.severity == s).collect();
            match defs.as_slice() {
                [d] if !d.label.trim().is_empty() => {}
                [_] => return Err(format!("Severity {} needs a label.", s.key())),
                [] => return Err(format!("Severity {} is missing.", s.key())),
                _ => return Err(format!("Severity {} is listed more than once.", s.key())),
            }
        }
        for s in Status::ALL {
            let defs: Vec<_> = self.statuses.iter().filter(|d| d.status == s).collect();
            match defs.as_slice() {
                [d] if !d.label.trim().is_empty() => {}
                [_] => return Err(format!("Status {} needs a label.", s.key())),
                [] => return Err(format!("Status {} is missing.", s.key())),
                _ => return Err(format!("Status {} is listed more than once.", s.key())),
            }
        }
        self.roles.validate()
    }

    /// The label of a role by its key (the key itself for a role no longer in the catalog).
    pub fn role_label<'a>(&'a self, key: &'a str) -> &'a str {
        self.roles.label(key)
    }

    pub fn severity(&self, s: Severity) -> SeverityDef {
        self.severities
            .iter()
            .find(|d| d.severity == s)
            .cloned()
            .unwrap_or_else(|| SeverityDef {
                severity: s,
                label: s.label().to_owned(),
                description: s.description().to_owned(),
                major: s.is_major(),
            })
    }

    pub fn severity_label(&self, s: Severity) -> String {
        self.severity(s).label
    }

    pub fn status_label(&self, s: Status) -> String {
        self.statuses
            .iter()
            .find(|d| d.status == s)
            .map_or_else(|| s.label().to_owned(), |d| d.label.clone())
    }

    pub fn status_description(&self, s: Status) -> String {
        self.statuses
            .iter()
            .find(|d| d.status == s)
            .map(|d| d.description.clone())
            .unwrap_or_default()
    }

    /// The template for an update written in `status`: its own, or the nearest earlier one
    /// (triage uses investigating's).
    pub fn template(&self, status: Status) -> String {
        let wanted = match status {
            Status::Triage => Status::Investigating,
            Status::Closed => Status::Resolved,
            other => other,
        };
        self.update_templates
            .iter()
            .find(|t| t.status == wanted)
            .map(|t| t.text.clone())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_follow_product_md() {
        let v = Vocabulary::default();
        v.validate().unwrap();
        assert!(v.severity(Severity::Sev2).major && !v.severity(Severity::Sev3).major);
        for s in [
            Status::Investigating,
            Status::Identified,
            Status::Monitoring,
            Status::Resolved,
        ] {
            assert!(!v.template(s).is_empty(), "{s:?}");
        }
    }

    #[test]
    fn a_configured_vocabulary_must_name_everything_once() {
        let mut v = Vocabulary::default();
        v.severities.pop();
        assert!(v.validate().unwrap_err().contains("sev4 is missing"));
        let mut v = Vocabulary::default();
        v.statuses[0].label = " ".into();
        assert!(v.validate().unwrap_err().contains("triage needs a label"));
    }

    #[test]
    fn labels_come_from_the_configuration() {
        let mut v = Vocabulary::default();
        v.statuses[1].label = "Looking into it".into();
        assert_eq!(v.status_label(Status::Investigating), "Looking into it");
    }
}
