//! The role catalog: which roles an incident can staff (configurable; defaults from product.md),
//! and the rules a catalog must keep.

use serde::{Deserialize, Serialize};

/// The key of the role a major incident must have filled.
pub const INCIDENT_COMMANDER: &str = "incident_commander";
/// The key of the role that leads the fix (which the commander should not hold as well).
pub const TECH_LEAD: &str = "tech_lead";
/// Longest role label and description, and most checklist items per role.
pub const ROLE_LABEL_MAX_CHARS: usize = 60;
pub const ROLE_DESCRIPTION_MAX_CHARS: usize = 500;
pub const CHECKLIST_MAX_ITEMS: usize = 20;

/// One role of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RoleDef {
    /// Stable identifier used by the API and kept in the history (`incident_commander`).
    pub key: String,
    pub label: String,
    pub description: String,
    /// One holder at a time (everything but Responders, by default).
    pub single: bool,
    /// What the holder should see to.
    pub checklist: Vec<String>,
    /// No longer offered; its history stays.
    #[serde(default)]
    pub retired: bool,
}

/// The roles, in the order the board shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RoleCatalog {
    pub roles: Vec<RoleDef>,
}

/// The role catalog as stored, with its revision: each save adds one, so an open room that hears
/// of a newer one fetches it (and keeps the newest it has seen).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisedCatalog {
    /// 0: never edited here (the configured catalog).
    pub revision: u64,
    pub catalog: RoleCatalog,
}

impl Default for RoleCatalog {
    fn default() -> Self {
        let role =
            |key: &str, label: &str, single: bool, description: &str, checklist: &[&str]| RoleDef {
                key: key.into(),
                label: label.into(),
                description: description.into(),
                single,
                checklist: checklist.iter().map(|s| (*s).to_owned()).collect(),
                retired: false,
            };
        RoleCatalog {
            roles: vec![
                role(
                    INCIDENT_COMMANDER,
                    "Incident Commander",
                    true,
                    "Runs the response: sets priorities, staffs roles, decides. Does not fix.",
                    &[
                        "Confirm severity and impact",
                        "Staff Tech Lead and Communications Manager",
                        "Set the next checkpoint",
                        "Hand over explicitly before leaving",
                    ],
                ),
                role(
                    "tech_lead",
                    "Tech Lead",
                    true,
                    "Leads the technical investigation and the fix.",
                    &[
                        "Form a hypothesis and share it",
                        "Coordinate responders' work",
                        "Agree the mitigation with the commander",
                    ],
                ),
                role(
                    "communications_manager",
                    "Communications Manager",
                    true,
                    "Writes internal and public status updates on the severity's cadence.",
                    &[
                        "Publish the first public update",
                        "Keep updates on cadence",
                        "Brief stakeholders",
                    ],
                ),
                role(
                    "customer_support_lead",
                    "Customer Support Lead",
                    true,
                    "Links customer tickets and keeps support informed.",
                    &[
                        "Link incoming tickets",
                        "Share the workaround with support",
                        "Reply to linked tickets at resolution",
                    ],
                ),
                role(
                    "business_lead",
                    "Business Lead",
                    true,
                    "Weighs business impact and makes the calls the business must make.",
                    &[
                        "Assess revenue and contract impact",
                        "Approve customer-facing decisions",
                    ],
                ),
                role(
                    "scribe",
                    "Scribe",
                    true,
                    "Keeps the timeline: decisions, findings, who does what.",
                    &["Record decisions as notes", "Pin key moments"],
                ),
                role(
                    "responder",
                    "Responders",
                    false,
                    "Work the problem with the Tech Lead.",
                    &["Say what you are working on", "Post findings as notes"],
                ),
            ],
        }
    }
}

impl RoleCatalog {
    pub fn get(&self, key: &str) -> Option<&RoleDef> {
        self.roles.iter().find(|r| r.key == key)
    }

    /// The role's label, or its key for a role the catalog no longer has.
    pub fn label<'a>(&'a self, key: &'a str) -> &'a str {
        self.get(key).map(|r| r.label.as_str()).unwrap_or(key)
    }

    /// A key for a new role called `label`, unlike every key in the catalog ("Partner
    /// Liaison" -> `partner_liaison`, or `partner_liaison_2` when taken).
    pub fn key_for(&self, label: &str) -> String {
        let mut base = String::new();
        for c in label.trim().to_lowercase().chars() {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                base.push(c);
            } else if !base.is_empty() && !base.ends_with('_') {
                base.push('_');
            }
        }
        let mut base: String = base.trim_end_matches('_').chars().take(36).collect();
        if base.is_empty() {
            base.push_str("role");
        }
        let mut key = base.clone();
        let mut n = 2;
        while self.get(&key).is_some() {
            key = format!("{base}_{n}");
            n += 1;
        }
        key
    }

    /// Roles that can be assigned now.
    pub fn active(&self) -> impl Iterator<Item = &RoleDef> {
        self.roles.iter().filter(|r| !r.retired)
    }

    /// Checks a catalog from configuration or an admin's edit. Every message names the role.
    pub fn validate(&self) -> Result<(), String> {
        match self.get(INCIDENT_COMMANDER) {
            Some(ic) if ic.single && !ic.retired => {}
            _ => {
                return Err(format!(
                    "The role catalog must keep {INCIDENT_COMMANDER} as a one-holder role that \
                     is not retired: major incidents require it."
                ))
            }
        }
        for (i, role) in self.roles.iter().enumerate() {
            let name = if role.label.trim().is_empty() {
                format!("role {}", i + 1)
            } else {
                format!("role \"{}\"", role.label)
            };
            let key_ok = !role.key.is_empty()
                && role.key.len() <= 40
                && role
                    .key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !key_ok {
                return Err(format!(
                    "The key of {name} must be 1–40 lowercase letters, digits or underscores \
                     (like incident_commander)."
                ));
            }
            if self.roles[..i].iter().any(|r| r.key == role.key) {
                return Err(format!("Two roles have the key \"{}\".", role.key));
            }
            if role.label.trim().is_empty() || role.label.chars().count() > ROLE_LABEL_MAX_CHARS {
                return Err(format!(
                    "The label of {name} must be 1–{ROLE_LABEL_MAX_CHARS} characters."
                ));
            }
            let texts = std::iter::once(&role.label)
                .chain(std::iter::once(&role.description))
                .chain(&role.checklist);
            for text in texts {
                crate::domain::text::check_chars(&format!("The text of {name}"), text)
                    .map_err(|e| e.to_string())?;
            }
            if role.description.chars().count() > ROLE_DESCRIPTION_MAX_CHARS {
                return Err(format!(
                    "The description of {name} is longer than {ROLE_DESCRIPTION_MAX_CHARS} characters."
                ));
            }
            if role.checklist.len() > CHECKLIST_MAX_ITEMS {
                return Err(format!(
                    "{name} has more than {CHECKLIST_MAX_ITEMS} checklist items."
                ));
            }
            if role.checklist.iter().any(|item| item.trim().is_empty()) {
                return Err(format!("{name} has an empty checklist item."));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_catalog_is_valid_and_has_the_commander() {
        let catalog = RoleCatalog::default();
        catalog.validate().unwrap();
        assert!(catalog.get(INCIDENT_COMMANDER).unwrap().single);
        assert!(!catalog.get("responder").unwrap().single);
        assert_eq!(catalog.roles.len(), 7);
        assert!(catalog.roles.iter().all(|r| !r.checklist.is_empty()));
    }

    #[test]
    fn new_roles_get_unique_valid_keys() {
        let mut catalog = RoleCatalog::default();
        assert_eq!(catalog.key_for("  Partner Liaison! "), "partner_liaison");
        assert_eq!(catalog.key_for("Scribe"), "scribe_2");
        assert_eq!(catalog.key_for("Über-Lead"), "ber_lead");
        assert_eq!(catalog.key_for("???"), "role");
        let mut role = catalog.roles[5].clone();
        role.key = catalog.key_for(&"x".repeat(80));
        role.label = "Long".into();
        catalog.roles.push(role);
        catalog.validate().unwrap();
    }

    #[test]
    fn catalog_validation_names_the_problem() {
        let mut catalog = RoleCatalog::default();
        catalog.roles[1].key = "Tech Lead".into();
        assert!(catalog.validate().unwrap_err().contains("lowercase"));
        let mut catalog = RoleCatalog::default();
        catalog.roles[2].key = INCIDENT_COMMANDER.into();
        assert!(catalog.validate().unwrap_err().contains("Two roles"));
        let mut catalog = RoleCatalog::default();
        catalog.roles[0].checklist.push("  ".into());
        assert!(catalog
            .validate()
            .unwrap_err()
            .contains("\"Incident Commander\" has an empty checklist item"));
        let mut catalog = RoleCatalog::default();
        catalog.roles.iter_mut().for_each(|r| r.retired = true);
        assert!(catalog
            .validate()
            .unwrap_err()
            .contains("must keep incident_commander"));
        let mut catalog = RoleCatalog::default();
        catalog.roles[0].single = false;
        assert!(catalog.validate().unwrap_err().contains("one-holder role"));
        let mut catalog = RoleCatalog::default();
        catalog.roles.remove(0);
        assert!(catalog.validate().is_err());
    }
}
