use serde::{Deserialize, Serialize};

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
        super::parse_key(input, "role", &UserRole::ALL, UserRole::key)
    }

    /// May this role change incidents? Stakeholders are read-only.
    pub fn can_write(self) -> bool {
        !matches!(self, UserRole::Stakeholder)
    }
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

impl User {
    pub fn can_write(&self) -> bool {
        self.role.can_write()
    }

    /// Initials for avatars: "Iris Chen" -> "IC".
    pub fn initials(&self) -> String {
        self.name
            .split_whitespace()
            .filter_map(|w| w.chars().next())
            .take(2)
            .flat_map(char::to_uppercase)
            .collect()
    }
}

/// The one form an email address is stored and compared in: trimmed and lower-cased (Unicode),
/// the same on every database.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}
