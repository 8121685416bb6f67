//! The board as the API and the room show it: each role of the catalog with its holders, its
//! history and its checklist.

use serde::{Deserialize, Serialize};

use super::board::{RoleBoard, Stint, Tick};
use super::catalog::RoleCatalog;

/// One checklist item of a role, and who ticked it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChecklistItem {
    pub item: String,
    pub ticked: Option<Tick>,
}

/// A role on one incident's board, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RoleView {
    pub key: String,
    pub label: String,
    pub description: String,
    pub single: bool,
    pub retired: bool,
    /// Who holds it now (open stints).
    pub holders: Vec<Stint>,
    /// Every stint, oldest first: who held it, from when (assumed) to when (relieved).
    pub history: Vec<Stint>,
    pub checklist: Vec<ChecklistItem>,
}

impl RoleBoard {
    /// The board role by role, in catalog order; retired roles only where they have history.
    pub fn view(&self, catalog: &RoleCatalog) -> Vec<RoleView> {
        catalog
            .roles
            .iter()
            .filter(|r| !r.retired || self.history(&r.key).next().is_some())
            .map(|r| RoleView {
                key: r.key.clone(),
                label: r.label.clone(),
                description: r.description.clone(),
                single: r.single,
                retired: r.retired,
                holders: self.current(&r.key).cloned().collect(),
                history: self.history(&r.key).cloned().collect(),
                checklist: r
                    .checklist
                    .iter()
                    .map(|item| ChecklistItem {
                        item: item.clone(),
                        ticked: self.tick_of(&r.key, item).cloned(),
                    })
                    .collect(),
            })
            .collect()
    }
}
