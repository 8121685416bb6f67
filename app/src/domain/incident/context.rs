//! What `decide` is told besides the incident and the command: who asks, when, and what the
//! command refers to, as the server looked it up.

use chrono::{DateTime, Utc};

use super::event::EventRecord;
use super::state::Incident;
use super::values::ServiceRef;
use crate::domain::roles::catalog::RoleCatalog;
use crate::domain::user::User;

/// What `decide` needs besides the incident: who asks, when, and what the command refers to
/// (looked up by the server; `None` when it does not exist).
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    pub actor_id: i64,
    pub now: DateTime<Utc>,
    pub entry: Option<&'a EventRecord>,
    pub service: Option<&'a ServiceRef>,
    pub target: Option<&'a Incident>,
    /// The person a role is given to.
    pub person: Option<&'a User>,
    /// The role catalog (the defaults when `None`).
    pub roles: Option<&'a RoleCatalog>,
}

impl Context<'_> {
    /// The role catalog to decide by.
    pub fn catalog(&self) -> &RoleCatalog {
        static DEFAULT: std::sync::LazyLock<RoleCatalog> =
            std::sync::LazyLock::new(Default::default);
        self.roles.unwrap_or(&DEFAULT)
    }
}
