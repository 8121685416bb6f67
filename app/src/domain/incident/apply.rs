//! Everyone applies: an event folded into the incident. The server builds its read model with
//! this, the browser updates its view with it.

use super::event::{EventPayload, EventRecord};
use super::state::{Breach, Incident};
use super::values::{Status, Visibility};

/// Everyone applies: fold one event into the incident. The server builds its read model with this,
/// the browser updates its view with it. Events of other incidents, and events the state has
/// already seen (by version), are ignored.
pub fn apply(state: &mut Option<Incident>, event: &EventRecord) {
    if let EventPayload::IncidentDeclared {
        title,
        severity,
        summary,
    } = &event.payload
    {
        if state.is_none() {
            *state = Some(Incident {
                id: event.incident_id,
                title: title.clone(),
                severity: *severity,
                status: Status::Triage,
                summary: summary.clone(),
                version: event.incident_version,
                declared_by: event.actor.id,
                declared_by_name: event.actor.name.clone(),
                declared_at: event.at,
                started_at: event.at,
                detected_at: event.at,
                acknowledged_at: None,
                mitigated_at: None,
                resolved_at: None,
                closed_at: None,
                updated_at: event.at,
                impact: Default::default(),
                services: Vec::new(),
                pinned: Vec::new(),
                deleted_notes: Vec::new(),
                note_edits: Vec::new(),
                participants: vec![event.actor.id],
                merged_into: None,
                last_public_update_at: None,
                roles: Default::default(),
                breaches: Vec::new(),
            });
        }
        return;
    }
    let Some(incident) = state.as_mut() else {
        return;
    };
    if incident.id != event.incident_id || event.incident_version <= incident.version {
        return;
    }
    incident.version = event.incident_version;
    // A policy change is an admin's act on every open incident at once: it neither makes them
    // take part in this one (their "Mine") nor counts as activity on it.
    if !matches!(event.payload, EventPayload::SlaPolicyChanged { .. }) {
        incident.updated_at = event.at;
        if !incident.participants.contains(&event.actor.id) {
            incident.participants.push(event.actor.id);
        }
    }
    let at = event.at;
    match &event.payload {
        EventPayload::IncidentDeclared { .. }
        | EventPayload::NoteAdded { .. }
        | EventPayload::DuplicateMerged { .. } => {}
        EventPayload::StatusChanged { to, .. } => {
            incident.status = *to;
            match to {
                Status::Triage => {}
                Status::Investigating | Status::Identified => {
                    incident.acknowledged_at.get_or_insert(at);
                    // Reopened: it is no longer resolved.
                    incident.resolved_at = None;
                }
                Status::Monitoring => {
                    incident.acknowledged_at.get_or_insert(at);
                    incident.mitigated_at.get_or_insert(at);
                    incident.resolved_at = None;
                }
                Status::Resolved => {
                    incident.acknowledged_at.get_or_insert(at);
                    incident.mitigated_at.get_or_insert(at);
                    incident.resolved_at = Some(at);
                }
                Status::Closed | Status::Declined | Status::Merged => {
                    incident.closed_at = Some(at);
                }
            }
            if *to == Status::Triage {
                incident.closed_at = None;
            }
        }
        EventPayload::Acknowledged { to, .. } => {
            incident.acknowledged_at = Some(at);
            incident.status = *to;
        }
        EventPayload::SeverityChanged { to, .. } => incident.severity = *to,
        EventPayload::ImpactUpdated {
            customer_impact,
            affected,
        } => {
            incident.impact.customer_impact = customer_impact.clone();
            incident.impact.affected = *affected;
        }
        EventPayload::ServiceLinked { service } => {
            if !incident.services.iter().any(|s| s.id == service.id) {
                incident.services.push(service.clone());
            }
        }
        EventPayload::ServiceUnlinked { service } => {
            incident.services.retain(|s| s.id != service.id);
        }
        EventPayload::TimestampChanged { milestone, to, .. } => {
            incident.set_milestone(*milestone, *to);
        }
        EventPayload::StatusUpdatePublished { visibility, .. } => {
            if *visibility == Visibility::Public {
                incident.last_public_update_at = Some(at);
            }
        }
        EventPayload::EntryPinned { event_id } => {
            if !incident.pinned.contains(event_id) {
                incident.pinned.push(*event_id);
            }
        }
        EventPayload::EntryUnpinned { event_id } => incident.pinned.retain(|id| id != event_id),
        EventPayload::NoteEdited { event_id, .. } => {
            let version = event.incident_version;
            match incident.note_edits.iter_mut().find(|e| e.note == *event_id) {
                Some(edit) => edit.version = version,
                None => incident.note_edits.push(super::state::NoteEdit {
                    note: *event_id,
                    version,
                }),
            }
        }
        EventPayload::NoteDeleted { event_id } => {
            incident.pinned.retain(|id| id != event_id);
            incident.note_edits.retain(|e| e.note != *event_id);
            if !incident.deleted_notes.contains(event_id) {
                incident.deleted_notes.push(*event_id);
            }
        }
        EventPayload::MergedInto { target_id, .. } => {
            incident.status = Status::Merged;
            incident.merged_into = Some(*target_id);
            incident.closed_at = Some(at);
        }
        EventPayload::RoleAssigned { .. }
        | EventPayload::RoleRelieved { .. }
        | EventPayload::RoleMoved { .. }
        | EventPayload::RolesSwapped { .. }
        | EventPayload::RoleHandedOver { .. }
        | EventPayload::ChecklistTicked { .. } => {
            incident.roles.apply(&event.payload, at, &event.actor)
        }
        EventPayload::SlaBreached {
            clock,
            started_at,
            deadline,
        } => {
            if !incident.breached(*clock, *started_at) {
                incident.breaches.push(Breach {
                    clock: *clock,
                    started_at: *started_at,
                    deadline: *deadline,
                    recorded_at: at,
                });
            }
        }
        // The policy is not the incident's: pages keep it beside the incident.
        EventPayload::SlaPolicyChanged { .. } => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::domain::*;
    #[test]
    fn apply_ignores_replayed_and_foreign_events() {
        let mut state = declared();
        let e = record(
            &state,
            EventPayload::StatusChanged {
                from: Status::Triage,
                to: Status::Investigating,
            },
            1,
        );
        apply(&mut state, &e);
        apply(&mut state, &e);
        assert_eq!(state.as_ref().unwrap().version, 2);
        let mut foreign = record(&state, EventPayload::NoteAdded { body: "x".into() }, 2);
        foreign.incident_id = 99;
        apply(&mut state, &foreign);
        assert_eq!(state.as_ref().unwrap().version, 2);
    }
}
