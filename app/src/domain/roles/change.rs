//! What an admin's edit of the role catalog may change. Roles are never removed, only retired,
//! so every hand-over in every history keeps its role; and a role that becomes one-holder must
//! not have several holders on an open incident.

use super::catalog::{RoleCatalog, RoleDef};
use crate::domain::error::DomainError;
use crate::domain::incident::state::Incident;

/// An accepted catalog edit, still to be held against the open incidents.
#[derive(Debug)]
pub struct CatalogChange<'a> {
    /// Roles that had many holders and now take one.
    narrowed: Vec<&'a RoleDef>,
}

impl RoleCatalog {
    /// Checks replacing this catalog by `next`: refuses removing a role (retire it instead).
    /// What it returns checks each open incident ([`CatalogChange::check`]).
    pub fn change_to<'a>(&self, next: &'a RoleCatalog) -> Result<CatalogChange<'a>, DomainError> {
        if let Some(gone) = self.roles.iter().find(|r| next.get(&r.key).is_none()) {
            return Err(DomainError::Invalid(format!(
                "{} cannot be removed: retire it instead, so its history stays.",
                gone.label
            )));
        }
        let narrowed = next
            .roles
            .iter()
            .filter(|r| r.single && self.get(&r.key).is_some_and(|old| !old.single))
            .collect();
        Ok(CatalogChange { narrowed })
    }
}

impl CatalogChange<'_> {
    /// Does any open incident need to be checked (a role became one-holder)?
    pub fn narrows(&self) -> bool {
        !self.narrowed.is_empty()
    }

    /// The roles that become one-holder: only incidents holding one need checking.
    pub fn narrowed_roles(&self) -> Vec<&str> {
        self.narrowed.iter().map(|r| r.key.as_str()).collect()
    }

    /// Refuses the change if `incident` is open and has several holders of a role that becomes
    /// one-holder.
    pub fn check(&self, incident: &Incident) -> Result<(), DomainError> {
        if !incident.status.is_active() {
            return Ok(());
        }
        match self
            .narrowed
            .iter()
            .find(|r| incident.roles.holders(&r.key).count() > 1)
        {
            Some(role) => Err(DomainError::Invalid(format!(
                "{} has several holders on {}: relieve all but one there before making it a \
                 one-holder role.",
                role.label,
                incident.reference()
            ))),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_retired_not_removed_and_narrowing_is_checked_on_open_incidents() {
        let current = RoleCatalog::default();
        let mut fewer = current.clone();
        fewer.roles.remove(1);
        let refused = current.change_to(&fewer).unwrap_err().to_string();
        assert!(
            refused.starts_with("Tech Lead cannot be removed"),
            "{refused}"
        );
        let mut retired = current.clone();
        retired.roles[1].retired = true;
        assert!(!current.change_to(&retired).unwrap().narrows());
        let mut single = current.clone();
        let responders = single.roles.iter_mut().find(|r| !r.single).unwrap();
        responders.single = true;
        assert!(current.change_to(&single).unwrap().narrows());
    }
}
