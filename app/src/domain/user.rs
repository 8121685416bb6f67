//! Who people are, and what they may do.

use serde::{Deserialize, Serialize};

use super::error::DomainError;

/// What a person may do in Sitrep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum UserRole {
    Admin,
    Responder,
    Support,
    Manager,
    /// Sees everything, changes nothing.
    Stakeholder,
}

impl UserRole {
    pub const ALL: [UserRole; 5] = [
        UserRole::Admin,
        UserRole::Responder,
        UserRole::Support,
        UserRole::Manager,
        UserRole::Stakeholder,
    ];

    pub fn key(self) -> &'static str {
        match self {
            UserRole::Admin => "admin",
            UserRole::Responder => "responder",
            UserRole::Support => "support",
            UserRole::Manager => "manager",
            UserRole::Stakeholder => "stakeholder",
        }
    }

    pub fn parse(input: &str) -> Result<UserRole, String> {
        super::keys::parse_key(input, "role", &UserRole::ALL, UserRole::key)
    }

    /// May someone in this role do `action`? Stakeholders change nothing; settings and the
    /// roster are the admins'. The one place these rights are written: the server refuses what
    /// this refuses, and the screens offer only what it allows.
    pub fn may(self, action: Action) -> bool {
        match action {
            Action::ChangeIncidents
            | Action::ChangeServices
            | Action::HoldRole
            | Action::IssueWriteTokens
            | Action::WorkTickets => self != UserRole::Stakeholder,
            Action::ChangeSlaPolicy
            | Action::ChangeRoleCatalog
            | Action::ChangeRoster
            | Action::ManageEveryonesTokens => self == UserRole::Admin,
        }
    }
}

/// Who did it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Actor {
    pub id: i64,
    pub name: String,
}

/// A person who can sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct User {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: UserRole,
    /// The team they are on (the roster shows it).
    #[serde(default)]
    pub team: String,
    /// On call now.
    #[serde(default)]
    pub on_call: bool,
}

/// What someone may be allowed to do, beyond reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Declare, write on and change incidents.
    ChangeIncidents,
    /// Add and edit services in the catalog.
    ChangeServices,
    /// Be given a role on an incident.
    HoldRole,
    /// Create API tokens that can change things.
    IssueWriteTokens,
    ChangeSlaPolicy,
    ChangeRoleCatalog,
    /// Set people's teams and who is on call.
    ChangeRoster,
    /// See and revoke everyone's API tokens, not only one's own.
    ManageEveryonesTokens,
    /// Work the ticket queue: open, answer, triage, merge and link tickets.
    WorkTickets,
}

impl Action {
    /// Why someone who may not do it is refused.
    pub fn refusal(self) -> &'static str {
        match self {
            Action::ChangeIncidents => {
                "Your role (stakeholder) can read incidents but not change them."
            }
            Action::ChangeServices => {
                "Your role (stakeholder) can read the service catalog but not change it."
            }
            Action::HoldRole => "A stakeholder (read-only) cannot hold a role.",
            Action::IssueWriteTokens => {
                "Stakeholders can create read tokens only: they cannot change anything."
            }
            Action::ChangeSlaPolicy => "Only an admin can change the SLA policy.",
            Action::ChangeRoleCatalog => "Only an admin can change the role catalog.",
            Action::ChangeRoster => "Only an admin can change the roster.",
            Action::ManageEveryonesTokens => "Only an admin can manage everyone's API tokens.",
            Action::WorkTickets => "Your role (stakeholder) can read tickets but not change them.",
        }
    }
}

impl User {
    /// May this person do `action`? See [`UserRole::may`].
    pub fn may(&self, action: Action) -> bool {
        self.role.may(action)
    }

    /// [`User::may`], refused in words.
    pub fn require(&self, action: Action) -> Result<(), DomainError> {
        if self.may(action) {
            Ok(())
        } else {
            Err(DomainError::Forbidden(action.refusal().to_owned()))
        }
    }

    /// Initials for avatars: "Iris Chen" -> "IC".
    pub fn initials(&self) -> String {
        initials(&self.name)
    }
}

/// Initials for avatars: "Iris Chen" -> "IC".
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

/// The one form an email address is stored and compared in: trimmed and lower-cased (Unicode),
/// the same on every database.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stakeholders_change_nothing_and_settings_are_the_admins() {
        for role in UserRole::ALL {
            let writes = role != UserRole::Stakeholder;
            assert_eq!(role.may(Action::ChangeIncidents), writes, "{role:?}");
            assert_eq!(role.may(Action::HoldRole), writes, "{role:?}");
            assert_eq!(role.may(Action::WorkTickets), writes, "{role:?}");
            let admin = role == UserRole::Admin;
            assert_eq!(role.may(Action::ChangeSlaPolicy), admin, "{role:?}");
            assert_eq!(role.may(Action::ChangeRoleCatalog), admin, "{role:?}");
            assert_eq!(role.may(Action::ChangeRoster), admin, "{role:?}");
        }
    }
}
