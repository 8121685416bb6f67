//! Incident roles: the catalog (a setting admins edit), how an edit of it may change it, the
//! board on each incident, the board as shown, and the roster of people who can hold a role.

pub mod board;
pub mod catalog;
pub mod change;
pub mod roster;
pub mod view;

pub use board::{RoleBoard, Stint, Tick};
pub use catalog::{
    RevisedCatalog, RoleCatalog, RoleDef, CHECKLIST_MAX_ITEMS, INCIDENT_COMMANDER,
    ROLE_DESCRIPTION_MAX_CHARS, ROLE_LABEL_MAX_CHARS, TECH_LEAD,
};
pub use change::CatalogChange;
pub use roster::{Person, TEAM_MAX_CHARS};
pub use view::{ChecklistItem, RoleView};
