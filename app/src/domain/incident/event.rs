//! What happened to an incident: the events as they are stored (flat, tagged JSON whose `type`
//! strings and fields never change, so every database ever written loads), shown on the
//! timeline and sent live.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::values::{Affected, Milestone, ServiceRef, Severity, Status, Visibility};
use crate::domain::sla::clock::{ClockChange, ClockKind};
use crate::domain::sla::policy::{RevisedPolicy, SlaPolicy};
use crate::domain::user::Actor;

/// What happened. Stored in the `events` table, shown on the timeline, sent live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventPayload {
    IncidentDeclared {
        title: String,
        severity: Severity,
        summary: String,
    },
    NoteAdded {
        body: String,
    },
    StatusChanged {
        from: Status,
        to: Status,
    },
    Acknowledged {
        from: Status,
        to: Status,
    },
    SeverityChanged {
        from: Severity,
        to: Severity,
        reason: String,
    },
    ImpactUpdated {
        customer_impact: String,
        affected: Affected,
    },
    ServiceLinked {
        service: ServiceRef,
    },
    ServiceUnlinked {
        service: ServiceRef,
    },
    TimestampChanged {
        milestone: Milestone,
        from: Option<DateTime<Utc>>,
        to: DateTime<Utc>,
        reason: String,
    },
    StatusUpdatePublished {
        visibility: Visibility,
        /// The incident's status when the update went out.
        status: Status,
        body: String,
    },
    EntryPinned {
        event_id: i64,
    },
    EntryUnpinned {
        event_id: i64,
    },
    NoteEdited {
        event_id: i64,
        body: String,
    },
    NoteDeleted {
        event_id: i64,
    },
    /// On the duplicate: it now lives on in `target_id`.
    MergedInto {
        target_id: i64,
        target_title: String,
    },
    /// On the survivor: a duplicate was merged into it.
    DuplicateMerged {
        duplicate_id: i64,
        duplicate_title: String,
    },
    /// `person` assumed `role` (a catalog key).
    RoleAssigned {
        role: String,
        person: Actor,
    },
    RoleRelieved {
        role: String,
        person: Actor,
    },
    /// `person` handed `from` over and assumed `to`, at one instant.
    RoleMoved {
        person: Actor,
        from: String,
        to: String,
    },
    /// `from` handed the single-holder `role` over to `to`: relieved and assumed at one
    /// instant, so the role is never empty between them.
    RoleHandedOver {
        role: String,
        from: Actor,
        to: Actor,
    },
    /// `first` held `first_role` and `second` held `second_role`; now the other way round.
    RolesSwapped {
        first_role: String,
        first: Actor,
        second_role: String,
        second: Actor,
    },
    ChecklistTicked {
        role: String,
        item: String,
        done: bool,
    },
    /// An SLA clock that started at `started_at` missed its `deadline` (recorded once, by the
    /// server, when it happened or as soon as it was back).
    SlaBreached {
        clock: ClockKind,
        started_at: DateTime<Utc>,
        deadline: DateTime<Utc>,
    },
    /// An admin changed the SLA policy, which moved this incident's running clocks as listed.
    /// Carries the new policy, so every open page counts to it from this event on.
    SlaPolicyChanged {
        changes: Vec<ClockChange>,
        policy: SlaPolicy,
        /// The policy's revision after the change.
        #[serde(default)]
        revision: u64,
    },
}

/// How the timeline filters entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Note,
    Change,
    StatusUpdate,
    /// Changes to other entries (pins, note edits and deletions): shown on the entry they touch.
    Annotation,
}

impl EventPayload {
    /// Every kind, as sent in the SSE `event:` field.
    pub const KINDS: [&'static str; 24] = [
        "incident_declared",
        "note_added",
        "status_changed",
        "acknowledged",
        "severity_changed",
        "impact_updated",
        "service_linked",
        "service_unlinked",
        "timestamp_changed",
        "status_update_published",
        "entry_pinned",
        "entry_unpinned",
        "note_edited",
        "note_deleted",
        "merged_into",
        "duplicate_merged",
        "role_assigned",
        "role_relieved",
        "role_moved",
        "roles_swapped",
        "role_handed_over",
        "checklist_ticked",
        "sla_breached",
        "sla_policy_changed",
    ];

    pub fn kind(&self) -> &'static str {
        match self {
            EventPayload::IncidentDeclared { .. } => "incident_declared",
            EventPayload::NoteAdded { .. } => "note_added",
            EventPayload::StatusChanged { .. } => "status_changed",
            EventPayload::Acknowledged { .. } => "acknowledged",
            EventPayload::SeverityChanged { .. } => "severity_changed",
            EventPayload::ImpactUpdated { .. } => "impact_updated",
            EventPayload::ServiceLinked { .. } => "service_linked",
            EventPayload::ServiceUnlinked { .. } => "service_unlinked",
            EventPayload::TimestampChanged { .. } => "timestamp_changed",
            EventPayload::StatusUpdatePublished { .. } => "status_update_published",
            EventPayload::EntryPinned { .. } => "entry_pinned",
            EventPayload::EntryUnpinned { .. } => "entry_unpinned",
            EventPayload::NoteEdited { .. } => "note_edited",
            EventPayload::NoteDeleted { .. } => "note_deleted",
            EventPayload::MergedInto { .. } => "merged_into",
            EventPayload::DuplicateMerged { .. } => "duplicate_merged",
            EventPayload::RoleAssigned { .. } => "role_assigned",
            EventPayload::RoleRelieved { .. } => "role_relieved",
            EventPayload::RoleMoved { .. } => "role_moved",
            EventPayload::RolesSwapped { .. } => "roles_swapped",
            EventPayload::RoleHandedOver { .. } => "role_handed_over",
            EventPayload::ChecklistTicked { .. } => "checklist_ticked",
            EventPayload::SlaBreached { .. } => "sla_breached",
            EventPayload::SlaPolicyChanged { .. } => "sla_policy_changed",
        }
    }

    pub fn category(&self) -> Category {
        match self {
            EventPayload::NoteAdded { .. } => Category::Note,
            EventPayload::StatusUpdatePublished { .. } => Category::StatusUpdate,
            EventPayload::EntryPinned { .. }
            | EventPayload::EntryUnpinned { .. }
            | EventPayload::NoteEdited { .. }
            | EventPayload::NoteDeleted { .. } => Category::Annotation,
            _ => Category::Change,
        }
    }

    /// Does this event change what the incidents list shows?
    pub fn changes_summary(&self) -> bool {
        matches!(self.category(), Category::Change | Category::StatusUpdate)
    }

    /// Can this event move an incident into or out of a status (so the counts by status change)?
    pub fn moves_status(&self) -> bool {
        matches!(
            self,
            EventPayload::IncidentDeclared { .. }
                | EventPayload::StatusChanged { .. }
                | EventPayload::Acknowledged { .. }
                | EventPayload::MergedInto { .. }
        )
    }

    /// Is this a note (as opposed to a change)?
    pub fn is_note(&self) -> bool {
        matches!(self, EventPayload::NoteAdded { .. })
    }

    /// The policy (and its revision) a policy change carries, to count to from now on.
    pub fn revised_policy(&self) -> Option<RevisedPolicy> {
        match self {
            EventPayload::SlaPolicyChanged {
                policy, revision, ..
            } => Some(RevisedPolicy::new(*revision, policy.clone())),
            _ => None,
        }
    }

    /// The Markdown the server renders for the browser, if any.
    pub fn markdown(&self) -> Option<&str> {
        match self {
            EventPayload::NoteAdded { body }
            | EventPayload::NoteEdited { body, .. }
            | EventPayload::StatusUpdatePublished { body, .. } => Some(body),
            _ => None,
        }
    }
}

/// A stored event: one timeline entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EventRecord {
    /// Global, increasing; the SSE `id:`.
    pub id: i64,
    pub incident_id: i64,
    /// The incident's version after this event.
    pub incident_version: i64,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub payload: EventPayload,
    /// For notes and status updates: the Markdown rendered to sanitised HTML by the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
}

/// The `data:` of one server-sent event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LiveEvent {
    pub event: EventRecord,
    pub server_time: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_listed_once() {
        let mut kinds = EventPayload::KINDS.to_vec();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), EventPayload::KINDS.len());
    }
}
