//! The roster: the people who can be given a role, and how loaded they are.

use serde::{Deserialize, Serialize};

use crate::domain::error::DomainError;

/// Someone who can be given a role: the roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Person {
    pub id: i64,
    pub name: String,
    pub team: String,
    /// On call now.
    pub on_call: bool,
    /// The open incidents (ids) in which they hold a role now, so nobody is overloaded unnoticed.
    pub holding: Vec<i64>,
}

/// Longest team name, in characters.
pub const TEAM_MAX_CHARS: usize = 80;

impl Person {
    /// A team name as kept: trimmed, at most [`TEAM_MAX_CHARS`].
    pub fn team(team: &str) -> Result<String, DomainError> {
        let team = team.trim();
        crate::domain::text::check_len("Team", team, 0, TEAM_MAX_CHARS)?;
        Ok(team.to_owned())
    }

    /// Does the roster search `query` find this person (by name or team, any case)?
    pub fn matches(&self, query: &str) -> bool {
        let query = query.trim().to_lowercase();
        query.is_empty()
            || self.name.to_lowercase().contains(&query)
            || self.team.to_lowercase().contains(&query)
    }

    /// How many open incidents they hold a role in, counting `incident_id` by `here` (what the
    /// live board says) rather than by when the roster was read.
    pub fn load(&self, incident_id: i64, here: bool) -> usize {
        self.holding.iter().filter(|&&id| id != incident_id).count() + usize::from(here)
    }
}
