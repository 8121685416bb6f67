//! The service catalog: the facts a responder needs at 2 a.m. about what is broken.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::DomainError;
use super::incident::values::ServiceRef;

pub const SERVICE_NAME_MAX_CHARS: usize = 100;
pub const SERVICE_TEAM_MAX_CHARS: usize = 100;
pub const SERVICE_TEXT_MAX_CHARS: usize = 2_000;
pub const SERVICE_URL_MAX_CHARS: usize = 2_000;

/// A service in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Service {
    pub id: i64,
    pub name: String,
    pub owner_team: String,
    /// 1 (critical, customer-facing) to 3 (internal).
    pub tier: u8,
    /// An http(s) link to the runbook; may be empty.
    pub runbook_url: String,
    /// Who to call: names, handles, phone numbers — free text.
    pub contacts: String,
    pub description: String,
    pub updated_at: DateTime<Utc>,
}

impl Service {
    pub fn reference(&self) -> ServiceRef {
        ServiceRef {
            id: self.id,
            name: self.name.clone(),
        }
    }
}

/// What someone enters to add or edit a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ServiceInput {
    pub name: String,
    pub owner_team: String,
    pub tier: u8,
    #[serde(default)]
    pub runbook_url: String,
    #[serde(default)]
    pub contacts: String,
    #[serde(default)]
    pub description: String,
}

pub fn tier_label(tier: u8) -> &'static str {
    match tier {
        1 => "Tier 1 · critical",
        2 => "Tier 2 · important",
        _ => "Tier 3 · internal",
    }
}

fn field(name: &str, value: &str, required: bool, max: usize) -> Result<String, DomainError> {
    let value = value.trim();
    super::text::check_chars(name, value)?;
    let n = value.chars().count();
    if required && n == 0 {
        return Err(DomainError::Invalid(format!(
            "{name} must not be empty (1–{max} characters)."
        )));
    }
    if n > max {
        return Err(DomainError::Invalid(format!(
            "{name} is too long: {n} characters, the limit is {max}."
        )));
    }
    Ok(value.to_owned())
}

impl ServiceInput {
    /// Trims and checks every field; the runbook must be an http or https link.
    pub fn validate(&self) -> Result<ServiceInput, DomainError> {
        let runbook_url = field(
            "Runbook link",
            &self.runbook_url,
            false,
            SERVICE_URL_MAX_CHARS,
        )?;
        if !runbook_url.is_empty() {
            let lower = runbook_url.to_ascii_lowercase();
            let rest = lower
                .strip_prefix("https://")
                .or_else(|| lower.strip_prefix("http://"));
            match rest {
                Some(host) if !host.is_empty() && !runbook_url.contains(char::is_whitespace) => {}
                _ => {
                    return Err(DomainError::Invalid(format!(
                        "Runbook link \"{runbook_url}\" must be a web address starting with \
                         https:// or http://."
                    )))
                }
            }
        }
        if !(1..=3).contains(&self.tier) {
            return Err(DomainError::Invalid(format!(
                "Tier must be 1, 2 or 3 (it was {}).",
                self.tier
            )));
        }
        Ok(ServiceInput {
            name: field("Name", &self.name, true, SERVICE_NAME_MAX_CHARS)?,
            owner_team: field("Owner team", &self.owner_team, true, SERVICE_TEAM_MAX_CHARS)?,
            tier: self.tier,
            runbook_url,
            contacts: field("Contacts", &self.contacts, false, SERVICE_TEXT_MAX_CHARS)?,
            description: field(
                "Description",
                &self.description,
                false,
                SERVICE_TEXT_MAX_CHARS,
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ServiceInput {
        ServiceInput {
            name: " Checkout API ".into(),
            owner_team: "Payments".into(),
            tier: 1,
            runbook_url: "https://runbooks.example.com/checkout".into(),
            contacts: "@payments-oncall".into(),
            description: String::new(),
        }
    }

    #[test]
    fn valid_input_is_trimmed() {
        assert_eq!(input().validate().unwrap().name, "Checkout API");
    }

    #[test]
    fn only_web_links_are_runbooks() {
        for bad in ["javascript:alert(1)", "ftp://x", "https://", "http://a b"] {
            let mut i = input();
            i.runbook_url = bad.into();
            let err = i.validate().unwrap_err().to_string();
            assert!(err.contains("must be a web address"), "{bad}: {err}");
        }
        let mut i = input();
        i.runbook_url = String::new();
        assert!(i.validate().is_ok());
    }

    #[test]
    fn tier_and_required_fields_are_checked() {
        let mut i = input();
        i.tier = 4;
        assert!(i
            .validate()
            .unwrap_err()
            .to_string()
            .contains("Tier must be 1, 2 or 3"));
        let mut i = input();
        i.owner_team = "  ".into();
        assert!(i
            .validate()
            .unwrap_err()
            .to_string()
            .contains("Owner team must not be empty"));
    }
}
