//! The words and numbers screens show for severities and statuses, and the status-update
//! templates. They come from configuration (the server loads them, defaults from product.md) and
//! travel to the browser with every snapshot, so no screen hard-codes a label.
//!
//! The *set* of severities and statuses is fixed by the lifecycle rules; what each one is called,
//! how it is described and whether a severity is major are configurable. (How often a public
//! update is due is the SLA policy's next-update target.)

use serde::{Deserialize, Serialize};

use chrono::{DateTime, Utc};

use super::incident::state::Incident;
use super::incident::values::{Affected, Impact, ServiceRef, Severity, Status};
use super::roles::catalog::RoleCatalog;
use super::sla::clock::{Clock, ClockKind};
use super::sla::policy::SlaPolicy;

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

/// What an update template is filled from: what the incident knows now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateFacts {
    pub impact: Impact,
    pub services: Vec<ServiceRef>,
    /// When the next update would be due were this one published now.
    pub next_update: Option<DateTime<Utc>>,
}

impl TemplateFacts {
    /// The facts of `incident` as of `now`; the next update is due by the SLA policy's
    /// next-update target for its severity (none: "[time]" stays).
    pub fn of(incident: &Incident, policy: &SlaPolicy, now: DateTime<Utc>) -> TemplateFacts {
        let next_update = policy
            .targets(incident.severity)
            .next_update
            .and_then(|target| {
                Clock::new(
                    ClockKind::NextUpdate,
                    target,
                    now,
                    None,
                    &[],
                    &policy.calendar,
                    now,
                )
                .deadline
            });
        TemplateFacts {
            impact: incident.impact.clone(),
            services: incident.services.clone(),
            next_update,
        }
    }
}

/// Fills a template's bracketed placeholders that the facts answer — `[services]`,
/// `[impact]` (or `[what customers see]`), `[affected]`, `[time]`, in any case — and leaves
/// the others (and those not known yet) for the writer.
pub fn fill_template(text: &str, facts: &TemplateFacts) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']').map(|c| open + c) else {
            break;
        };
        out.push_str(&rest[..open]);
        let name = &rest[open + 1..close];
        match fill_one(name, facts) {
            Some(value) => out.push_str(&value),
            None => out.push_str(&rest[open..=close]),
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The value of one placeholder, if the facts know it.
fn fill_one(name: &str, facts: &TemplateFacts) -> Option<String> {
    let known = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    match name.trim().to_lowercase().as_str() {
        "services" | "service" | "affected services" => {
            let names: Vec<&str> = facts.services.iter().map(|s| s.name.as_str()).collect();
            match names.as_slice() {
                [] => None,
                [one] => Some((*one).to_owned()),
                [init @ .., last] => Some(format!("{} and {last}", init.join(", "))),
            }
        }
        // The sentence around it ends it: no doubled full stop.
        "impact" | "what customers see" => {
            known(facts.impact.customer_impact.trim().trim_end_matches('.'))
        }
        "affected" | "who is affected" => match facts.impact.affected {
            Affected::Unknown => None,
            known => Some(known.label().to_owned()),
        },
        "time" => facts
            .next_update
            .map(|at| at.format("%H:%M UTC").to_string()),
        _ => None,
    }
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
        // The bracketed words are filled from what the incident knows (`fill_template`);
        // what it cannot know stays for the writer to replace.
        let template = |s: Status| match s {
            Status::Investigating => Some(
                "We are investigating a problem with [services]: [impact]. \
                 [affected] are affected. We will update you by [time].",
            ),
            Status::Identified => Some(
                "We have identified the cause of the problem with [services] and are working on \
                 a fix. We will update you by [time].",
            ),
            Status::Monitoring => Some(
                "A fix has been applied to [services] and we are monitoring the results. \
                 [What customers should see now].",
            ),
            Status::Resolved => Some(
                "This incident has been resolved: [services] should work normally again. \
                 [What happened, briefly]. We apologise for the disruption.",
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

    /// The template for an update written in `status`, filled from what is known.
    pub fn filled_template(&self, status: Status, facts: &TemplateFacts) -> String {
        fill_template(&self.template(status), facts)
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

    fn facts(services: &[&str], impact: &str, affected: Affected) -> TemplateFacts {
        TemplateFacts {
            impact: Impact {
                customer_impact: impact.into(),
                affected,
            },
            services: services
                .iter()
                .enumerate()
                .map(|(i, name)| ServiceRef {
                    id: i as i64 + 1,
                    name: (*name).into(),
                })
                .collect(),
            next_update: Some("2026-03-27T16:30:00Z".parse().unwrap()),
        }
    }

    #[test]
    fn templates_are_filled_from_the_known_impact_and_services() {
        let v = Vocabulary::default();
        let known = facts(
            &["Payments API", "Checkout"],
            "Card payments fail at checkout.",
            Affected::Some,
        );
        assert_eq!(
            v.filled_template(Status::Triage, &known),
            "We are investigating a problem with Payments API and Checkout: Card payments fail \
             at checkout. Some customers are affected. We will update you by 16:30 UTC."
        );
        assert_eq!(
            v.filled_template(Status::Resolved, &known),
            "This incident has been resolved: Payments API and Checkout should work normally \
             again. [What happened, briefly]. We apologise for the disruption."
        );
        let three = facts(&["A", "B", "C"], "", Affected::All);
        assert!(fill_template("[services]", &three) == "A, B and C");
    }

    #[test]
    fn what_is_not_known_stays_for_the_writer() {
        let v = Vocabulary::default();
        let mut unknown = facts(&[], "  ", Affected::Unknown);
        unknown.next_update = None;
        assert_eq!(
            v.filled_template(Status::Investigating, &unknown),
            v.template(Status::Investigating)
        );
        // A configured template's own words, in any case, and an unclosed bracket.
        let known = facts(&["Search"], "Results are empty", Affected::Few);
        assert_eq!(
            fill_template(
                "[Impact] for [WHO IS AFFECTED] on [Service]; [eta] [oops",
                &known
            ),
            "Results are empty for A few customers on Search; [eta] [oops"
        );
    }

    #[test]
    fn the_time_is_when_the_next_update_would_be_due() {
        let policy = SlaPolicy::default();
        let mut incident = crate::domain::incident::testing::declared().unwrap();
        incident.severity = Severity::Sev2;
        let now: DateTime<Utc> = "2026-03-27T16:05:00Z".parse().unwrap();
        // SEV2 updates are due every 60 minutes.
        let f = TemplateFacts::of(&incident, &policy, now);
        assert_eq!(fill_template("[time]", &f), "17:05 UTC");
        incident.severity = Severity::Sev4;
        let f = TemplateFacts::of(&incident, &policy, now);
        assert_eq!(fill_template("by [time]", &f), "by [time]");
    }

    #[test]
    fn labels_come_from_the_configuration() {
        let mut v = Vocabulary::default();
        v.statuses[1].label = "Looking into it".into();
        assert_eq!(v.status_label(Status::Investigating), "Looking into it");
    }
}
