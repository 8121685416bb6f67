//! Commands (what someone asks for), events (what happened), `decide` and `apply`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::text::{check_len, check_time};
use super::{
    Affected, ClockChange, ClockKind, DomainError, Incident, Milestone, RoleCatalog, ServiceRef,
    Severity, SlaPolicy, Status, User, Visibility, IMPACT_MAX_CHARS, NOTE_MAX_CHARS,
    REASON_MAX_CHARS, SUMMARY_MAX_CHARS, TITLE_MAX_CHARS, UPDATE_MAX_CHARS,
};

/// What someone asks Sitrep to do to an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    Declare {
        title: String,
        severity: Severity,
        summary: String,
    },
    PostNote {
        body: String,
    },
    ChangeStatus {
        status: Status,
        expected_version: i64,
    },
    /// Someone is on it: records the acknowledgement and moves a new incident out of triage.
    Acknowledge,
    ChangeSeverity {
        severity: Severity,
        reason: String,
        expected_version: i64,
    },
    UpdateImpact {
        customer_impact: String,
        affected: Affected,
        expected_version: i64,
    },
    LinkService {
        service_id: i64,
    },
    UnlinkService {
        service_id: i64,
    },
    /// Corrects when something happened.
    SetTimestamp {
        milestone: Milestone,
        at: DateTime<Utc>,
        reason: String,
        expected_version: i64,
    },
    PublishUpdate {
        visibility: Visibility,
        body: String,
    },
    Pin {
        event_id: i64,
    },
    Unpin {
        event_id: i64,
    },
    EditNote {
        event_id: i64,
        body: String,
    },
    DeleteNote {
        event_id: i64,
    },
    /// This incident is a duplicate of `target_id`.
    MergeInto {
        target_id: i64,
        expected_version: i64,
    },
    /// Puts a person in a role (a catalog key such as `incident_commander`). The role commands'
    /// `expected_version` is the role board's version, so a note posted meanwhile does not
    /// refuse a drag.
    AssignRole {
        role: String,
        person_id: i64,
        expected_version: i64,
    },
    RelieveRole {
        role: String,
        person_id: i64,
        expected_version: i64,
    },
    /// Hands a holder over to another role in one step.
    MoveRole {
        person_id: i64,
        from: String,
        to: String,
        expected_version: i64,
    },
    /// Exchanges the holders of two single-holder roles.
    SwapRoles {
        first_role: String,
        second_role: String,
        expected_version: i64,
    },
    TickChecklist {
        role: String,
        item: String,
        done: bool,
    },
    /// Sitrep itself (never a person): an SLA clock missed its deadline.
    RecordBreach {
        clock: ClockKind,
        started_at: DateTime<Utc>,
        deadline: DateTime<Utc>,
    },
}

impl Command {
    /// The version the sender saw, for commands that must not act on a stale view. Commands that
    /// add to the incident without contradicting anything (notes, pins, links) have none.
    pub fn expected_version(&self) -> Option<i64> {
        match self {
            Command::ChangeStatus {
                expected_version, ..
            }
            | Command::ChangeSeverity {
                expected_version, ..
            }
            | Command::UpdateImpact {
                expected_version, ..
            }
            | Command::SetTimestamp {
                expected_version, ..
            }
            | Command::MergeInto {
                expected_version, ..
            } => Some(*expected_version),
            _ => None,
        }
    }

    /// The role board version the sender saw, for the commands that change who holds what.
    pub fn board_version(&self) -> Option<i64> {
        match self {
            Command::AssignRole {
                expected_version, ..
            }
            | Command::RelieveRole {
                expected_version, ..
            }
            | Command::MoveRole {
                expected_version, ..
            }
            | Command::SwapRoles {
                expected_version, ..
            } => Some(*expected_version),
            _ => None,
        }
    }

    /// Only Sitrep itself may send it (breaches are recorded by the server, not claimed).
    pub fn is_system(&self) -> bool {
        matches!(self, Command::RecordBreach { .. })
    }

    /// Does `decide` need the role catalog for this command?
    pub fn needs_roles(&self) -> bool {
        self.board_version().is_some() || matches!(self, Command::TickChecklist { .. })
    }

    /// The person the command puts in a role, whom the server looks up for `decide`.
    pub fn person_id(&self) -> Option<i64> {
        match self {
            Command::AssignRole { person_id, .. } => Some(*person_id),
            _ => None,
        }
    }

    /// The command that asks for a role change the browser planned on a board at `version`.
    pub fn for_role_change(change: &EventPayload, version: i64) -> Option<Command> {
        let expected_version = version;
        Some(match change {
            EventPayload::RoleAssigned { role, person } => Command::AssignRole {
                role: role.clone(),
                person_id: person.id,
                expected_version,
            },
            EventPayload::RoleRelieved { role, person } => Command::RelieveRole {
                role: role.clone(),
                person_id: person.id,
                expected_version,
            },
            EventPayload::RoleMoved { person, from, to } => Command::MoveRole {
                person_id: person.id,
                from: from.clone(),
                to: to.clone(),
                expected_version,
            },
            EventPayload::RolesSwapped {
                first_role,
                second_role,
                ..
            } => Command::SwapRoles {
                first_role: first_role.clone(),
                second_role: second_role.clone(),
                expected_version,
            },
            _ => return None,
        })
    }

    /// The timeline entry the command refers to, which the server looks up for `decide`.
    pub fn entry_id(&self) -> Option<i64> {
        match self {
            Command::Pin { event_id }
            | Command::Unpin { event_id }
            | Command::EditNote { event_id, .. }
            | Command::DeleteNote { event_id } => Some(*event_id),
            _ => None,
        }
    }

    /// The catalog service the command refers to.
    pub fn service_id(&self) -> Option<i64> {
        match self {
            Command::LinkService { service_id } | Command::UnlinkService { service_id } => {
                Some(*service_id)
            }
            _ => None,
        }
    }

    /// The other incident the command involves (the survivor of a merge).
    pub fn target_id(&self) -> Option<i64> {
        match self {
            Command::MergeInto { target_id, .. } => Some(*target_id),
            _ => None,
        }
    }
}

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
    pub const KINDS: [&'static str; 23] = [
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

    /// Is this a note (as opposed to a change)?
    pub fn is_note(&self) -> bool {
        matches!(self, EventPayload::NoteAdded { .. })
    }

    /// The policy (and its revision) a policy change carries, to count to from now on.
    pub fn revised_policy(&self) -> Option<super::RevisedPolicy> {
        match self {
            EventPayload::SlaPolicyChanged {
                policy, revision, ..
            } => Some(super::RevisedPolicy {
                revision: *revision,
                policy: policy.clone(),
            }),
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

/// Who did it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Actor {
    pub id: i64,
    pub name: String,
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

fn invalid<T>(message: impl Into<String>) -> Result<T, DomainError> {
    Err(DomainError::Invalid(message.into()))
}

fn hm(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The timeline entry a command refers to, checked to belong to this incident.
fn entry_of<'a>(
    incident: &Incident,
    ctx: &Context<'a>,
    id: i64,
) -> Result<&'a EventRecord, DomainError> {
    match ctx.entry {
        Some(e) if e.id == id && e.incident_id == incident.id => Ok(e),
        _ => Err(DomainError::NotFound(format!(
            "There is no timeline entry {id} in {}.",
            incident.reference()
        ))),
    }
}

/// A note the actor may change: theirs, and not deleted.
fn own_note<'a>(
    incident: &Incident,
    ctx: &Context<'a>,
    id: i64,
    verb: &str,
) -> Result<&'a EventRecord, DomainError> {
    let entry = entry_of(incident, ctx, id)?;
    if !entry.payload.is_note() {
        return invalid(format!(
            "Only notes can be {verb}; entry {id} is not a note."
        ));
    }
    if entry.actor.id != ctx.actor_id {
        return Err(DomainError::Forbidden(format!(
            "Only its author can change a note: this one is {}'s.",
            entry.actor.name
        )));
    }
    if incident.deleted_notes.contains(&id) {
        return invalid("This note has been deleted.");
    }
    Ok(entry)
}

/// The server decides: turn a command into events, or refuse it.
///
/// `state` is the incident the command targets (`None` when declaring a new one).
pub fn decide(
    state: Option<&Incident>,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Vec<EventPayload>, DomainError> {
    use EventPayload as E;
    let incident = match (state, command) {
        (
            None,
            Command::Declare {
                title,
                severity,
                summary,
            },
        ) => {
            let title = title.trim();
            check_len("Title", title, 1, TITLE_MAX_CHARS)?;
            check_len("Summary", summary, 0, SUMMARY_MAX_CHARS)?;
            return Ok(vec![E::IncidentDeclared {
                title: title.to_owned(),
                severity: *severity,
                summary: summary.trim().to_owned(),
            }]);
        }
        (Some(incident), Command::Declare { .. }) => return already_declared(incident),
        (None, _) => {
            return Err(DomainError::NotFound(
                "This change needs an existing incident: say which one.".into(),
            ))
        }
        (Some(incident), _) => incident,
    };
    if incident.status == Status::Merged {
        let into = incident
            .merged_into
            .map_or_else(|| "another incident".to_owned(), |id| format!("INC-{id}"));
        return Err(DomainError::ReadOnly(format!(
            "This incident was merged into {into} and can no longer be changed; continue there."
        )));
    }
    if let Some(expected) = command.expected_version() {
        if expected != incident.version {
            return Err(DomainError::Conflict {
                expected,
                actual: incident.version,
            });
        }
    }
    let closed = || {
        Err(DomainError::ReadOnly(format!(
            "{} is closed: this can no longer be changed.",
            incident.reference()
        )))
    };
    if let Some(expected) = command.board_version() {
        if incident.status == Status::Closed {
            return closed();
        }
        let decided = decide_roles(incident, command, ctx);
        if expected != incident.roles.version {
            // Tell them what is in the way now, in the rule's words when it would refuse.
            return Err(DomainError::Outdated(match decided {
                Err(refused) => refused.to_string(),
                Ok(_) => format!(
                    "The role board changed while you were looking at it (you had version \
                     {expected}, it is now at {}): look again and retry.",
                    incident.roles.version
                ),
            }));
        }
        return decided.map(|p| vec![p]);
    }
    match command {
        Command::Declare { .. } => already_declared(incident),
        Command::AssignRole { .. }
        | Command::RelieveRole { .. }
        | Command::MoveRole { .. }
        | Command::SwapRoles { .. } => decide_roles(incident, command, ctx).map(|p| vec![p]),
        Command::RecordBreach {
            clock,
            started_at,
            deadline,
        } => {
            check_time("The clock's start", *started_at)?;
            check_time("The deadline", *deadline)?;
            if incident.breached(*clock, *started_at) {
                return invalid(format!(
                    "The {} breach of this clock is already recorded.",
                    clock.label().to_lowercase()
                ));
            }
            Ok(vec![E::SlaBreached {
                clock: *clock,
                started_at: *started_at,
                deadline: *deadline,
            }])
        }
        Command::TickChecklist { role, item, done } => {
            if incident.status == Status::Closed {
                return closed();
            }
            let catalog = ctx.roles.unwrap_or_else(|| default_roles());
            Ok(vec![incident.roles.tick(
                catalog,
                role,
                item,
                *done,
                ctx.actor_id,
            )?])
        }
        Command::PostNote { body } => {
            check_len("Note", body.trim(), 1, NOTE_MAX_CHARS)?;
            Ok(vec![E::NoteAdded {
                body: body.trim().to_owned(),
            }])
        }
        Command::ChangeStatus { status, .. } => {
            if !incident.status.can_move_to(*status) {
                return Err(DomainError::IllegalTransition {
                    from: incident.status,
                    to: *status,
                });
            }
            Ok(vec![E::StatusChanged {
                from: incident.status,
                to: *status,
            }])
        }
        Command::Acknowledge => {
            if let Some(at) = incident.acknowledged_at {
                return invalid(format!(
                    "{} was already acknowledged at {}.",
                    incident.reference(),
                    hm(at)
                ));
            }
            if !incident.status.is_active() {
                return invalid(format!(
                    "Only an open incident can be acknowledged; this one is {}.",
                    incident.status.label()
                ));
            }
            let to = if incident.status == Status::Triage {
                Status::Investigating
            } else {
                incident.status
            };
            Ok(vec![E::Acknowledged {
                from: incident.status,
                to,
            }])
        }
        Command::ChangeSeverity {
            severity, reason, ..
        } => {
            if incident.status == Status::Closed {
                return closed();
            }
            if *severity == incident.severity {
                return invalid(format!("The incident is already {}.", severity.label()));
            }
            check_len("Reason", reason.trim(), 1, REASON_MAX_CHARS)?;
            Ok(vec![E::SeverityChanged {
                from: incident.severity,
                to: *severity,
                reason: reason.trim().to_owned(),
            }])
        }
        Command::UpdateImpact {
            customer_impact,
            affected,
            ..
        } => {
            if incident.status == Status::Closed {
                return closed();
            }
            let customer_impact = customer_impact.trim();
            check_len("What customers see", customer_impact, 0, IMPACT_MAX_CHARS)?;
            if customer_impact == incident.impact.customer_impact
                && *affected == incident.impact.affected
            {
                return invalid("The impact is already as given: nothing to change.");
            }
            Ok(vec![E::ImpactUpdated {
                customer_impact: customer_impact.to_owned(),
                affected: *affected,
            }])
        }
        Command::LinkService { service_id } | Command::UnlinkService { service_id } => {
            if incident.status == Status::Closed {
                return closed();
            }
            let service = match ctx.service {
                Some(s) if s.id == *service_id => s.clone(),
                _ => {
                    return Err(DomainError::NotFound(format!(
                        "Service {service_id} is not in the catalog."
                    )))
                }
            };
            let linked = incident.services.iter().any(|s| s.id == service.id);
            match (command, linked) {
                (Command::LinkService { .. }, false) => Ok(vec![E::ServiceLinked { service }]),
                (Command::LinkService { .. }, true) => invalid(format!(
                    "{} is already linked to this incident.",
                    service.name
                )),
                (_, true) => Ok(vec![E::ServiceUnlinked { service }]),
                (_, false) => invalid(format!("{} is not linked to this incident.", service.name)),
            }
        }
        Command::SetTimestamp {
            milestone,
            at,
            reason,
            ..
        } => {
            let Some(from) = incident.milestone(*milestone) else {
                return invalid(format!(
                    "{} has not happened yet: it is set when the incident is {}.",
                    milestone.label(),
                    milestone.label().to_lowercase()
                ));
            };
            check_len("Reason", reason.trim(), 1, REASON_MAX_CHARS)?;
            check_time(milestone.label(), *at)?;
            if *at > ctx.now {
                return invalid(format!(
                    "{} cannot be in the future ({} is later than now).",
                    milestone.label(),
                    hm(*at)
                ));
            }
            if *at == from {
                return invalid(format!("{} is already {}.", milestone.label(), hm(*at)));
            }
            let mut candidate = incident.clone();
            candidate.set_milestone(*milestone, *at);
            candidate.check_milestones().map_err(DomainError::Invalid)?;
            Ok(vec![E::TimestampChanged {
                milestone: *milestone,
                from: Some(from),
                to: *at,
                reason: reason.trim().to_owned(),
            }])
        }
        Command::PublishUpdate { visibility, body } => {
            if incident.status == Status::Closed {
                return closed();
            }
            check_len("Status update", body.trim(), 1, UPDATE_MAX_CHARS)?;
            Ok(vec![E::StatusUpdatePublished {
                visibility: *visibility,
                status: incident.status,
                body: body.trim().to_owned(),
            }])
        }
        Command::Pin { event_id } | Command::Unpin { event_id } => {
            let entry = entry_of(incident, ctx, *event_id)?;
            if entry.payload.category() == Category::Annotation {
                return invalid("Pins, edits and deletions cannot themselves be pinned.");
            }
            let pinned = incident.pinned.contains(event_id);
            match (command, pinned) {
                (Command::Pin { .. }, false) => {
                    if incident.deleted_notes.contains(event_id) {
                        return invalid("A deleted note cannot be pinned.");
                    }
                    Ok(vec![E::EntryPinned {
                        event_id: *event_id,
                    }])
                }
                (Command::Pin { .. }, true) => invalid("This entry is already pinned."),
                (_, true) => Ok(vec![E::EntryUnpinned {
                    event_id: *event_id,
                }]),
                (_, false) => invalid("This entry is not pinned."),
            }
        }
        Command::EditNote { event_id, body } => {
            own_note(incident, ctx, *event_id, "edited")?;
            check_len("Note", body.trim(), 1, NOTE_MAX_CHARS)?;
            Ok(vec![E::NoteEdited {
                event_id: *event_id,
                body: body.trim().to_owned(),
            }])
        }
        Command::DeleteNote { event_id } => {
            own_note(incident, ctx, *event_id, "deleted")?;
            Ok(vec![E::NoteDeleted {
                event_id: *event_id,
            }])
        }
        Command::MergeInto { target_id, .. } => {
            if *target_id == incident.id {
                return invalid("An incident cannot be merged into itself.");
            }
            if incident.status == Status::Closed {
                return closed();
            }
            let target = match ctx.target {
                Some(t) if t.id == *target_id => t,
                _ => {
                    return Err(DomainError::NotFound(format!(
                        "Incident INC-{target_id} does not exist."
                    )))
                }
            };
            match (target.status, target.merged_into) {
                (Status::Merged, Some(further)) if further == incident.id => invalid(format!(
                    "{} was already merged into this incident: they are one incident now.",
                    target.reference()
                )),
                (Status::Merged, Some(further)) => invalid(format!(
                    "{} was itself merged into INC-{further}: merge into INC-{further} instead.",
                    target.reference()
                )),
                (Status::Merged | Status::Closed | Status::Declined, _) => invalid(format!(
                    "{} is {}: merge into an incident that is still open or resolved.",
                    target.reference(),
                    target.status.label()
                )),
                _ => Ok(vec![E::MergedInto {
                    target_id: target.id,
                    target_title: target.title.clone(),
                }]),
            }
        }
    }
}

/// The default role catalog, for callers that bring none.
fn default_roles() -> &'static RoleCatalog {
    static DEFAULT: std::sync::LazyLock<RoleCatalog> = std::sync::LazyLock::new(Default::default);
    &DEFAULT
}

/// Assign, relieve, move or swap, by the board's rules.
fn decide_roles(
    incident: &Incident,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<EventPayload, DomainError> {
    let catalog = ctx.roles.unwrap_or_else(|| default_roles());
    let board = &incident.roles;
    match command {
        Command::AssignRole {
            role, person_id, ..
        } => {
            let person = match ctx.person {
                Some(p) if p.id == *person_id => p,
                _ => {
                    return Err(DomainError::NotFound(format!(
                        "There is no person with id {person_id}."
                    )))
                }
            };
            if !person.can_write() {
                return invalid(format!(
                    "{} is a stakeholder (read-only) and cannot hold a role.",
                    person.name
                ));
            }
            let person = Actor {
                id: person.id,
                name: person.name.clone(),
            };
            board.assign(catalog, role, &person)
        }
        Command::RelieveRole {
            role, person_id, ..
        } => board.relieve(catalog, role, *person_id),
        Command::MoveRole {
            person_id,
            from,
            to,
            ..
        } => board.move_to(catalog, *person_id, from, to),
        Command::SwapRoles {
            first_role,
            second_role,
            ..
        } => board.swap(catalog, first_role, second_role),
        _ => invalid("This is not a role change."),
    }
}

/// A declaration aimed at an incident that exists: declaring starts a new one, and must never
/// add a second beginning to an existing history.
fn already_declared(incident: &Incident) -> Result<Vec<EventPayload>, DomainError> {
    invalid(format!(
        "{} has already been declared: to declare a new incident, send the declaration without \
         an incident.",
        incident.reference()
    ))
}

/// An event on another incident that must be written together with `payload` (the survivor's
/// side of a merge): its incident id and payload.
pub fn counterpart(incident: &Incident, payload: &EventPayload) -> Option<(i64, EventPayload)> {
    match payload {
        EventPayload::MergedInto { target_id, .. } => Some((
            *target_id,
            EventPayload::DuplicateMerged {
                duplicate_id: incident.id,
                duplicate_title: incident.title.clone(),
            },
        )),
        _ => None,
    }
}

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
        | EventPayload::NoteEdited { .. }
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
        EventPayload::NoteDeleted { event_id } => {
            incident.pinned.retain(|id| id != event_id);
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
        | EventPayload::ChecklistTicked { .. } => {
            incident.roles.apply(&event.payload, at, &event.actor)
        }
        EventPayload::SlaBreached {
            clock,
            started_at,
            deadline,
        } => {
            if !incident.breached(*clock, *started_at) {
                incident.breaches.push(crate::domain::Breach {
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
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 27, 16, 0, 0).unwrap() + chrono::Duration::minutes(minute)
    }

    fn ctx(minute: i64) -> Context<'static> {
        Context {
            actor_id: 1,
            now: at(minute),
            ..Context::default()
        }
    }

    fn record(incident: &Option<Incident>, payload: EventPayload, minute: i64) -> EventRecord {
        EventRecord {
            id: incident.as_ref().map_or(1, |i| i.version + 1),
            incident_id: 7,
            incident_version: incident.as_ref().map_or(1, |i| i.version + 1),
            at: at(minute),
            actor: Actor {
                id: 1,
                name: "Iris".into(),
            },
            payload,
            html: None,
        }
    }

    fn run(state: &mut Option<Incident>, cmd: &Command, c: &Context) -> Result<(), DomainError> {
        for p in decide(state.as_ref(), cmd, c)? {
            let e = record(state, p, (c.now - at(0)).num_minutes());
            apply(state, &e);
        }
        Ok(())
    }

    fn declared() -> Option<Incident> {
        let mut state = None;
        let cmd = Command::Declare {
            title: "  Checkout is down ".into(),
            severity: Severity::Sev1,
            summary: "500s".into(),
        };
        run(&mut state, &cmd, &ctx(0)).unwrap();
        state
    }

    fn version(state: &Option<Incident>) -> i64 {
        state.as_ref().unwrap().version
    }

    #[test]
    fn a_declaration_never_lands_on_an_existing_incident() {
        let mut state = declared();
        let again = Command::Declare {
            title: "x".into(),
            severity: Severity::Sev4,
            summary: String::new(),
        };
        let refused = run(&mut state, &again, &ctx(1)).unwrap_err();
        assert!(
            refused.to_string().contains("has already been declared"),
            "{refused}"
        );
        assert_eq!(version(&state), 1);
        // And nothing but a declaration starts one.
        let note = Command::PostNote { body: "hi".into() };
        assert!(matches!(
            decide(None, &note, &ctx(1)),
            Err(DomainError::NotFound(_))
        ));
    }

    #[test]
    fn text_with_control_characters_and_times_out_of_range_are_refused() {
        let nul = Command::Declare {
            title: "a\u{0}b".into(),
            severity: Severity::Sev4,
            summary: String::new(),
        };
        let refused = decide(None, &nul, &ctx(0)).unwrap_err().to_string();
        assert!(refused.starts_with("Title contains"), "{refused}");
        let mut state = declared();
        let ancient = Command::SetTimestamp {
            milestone: Milestone::Started,
            at: "-4713-01-01T00:00:00Z".parse().unwrap(),
            reason: "typo".into(),
            expected_version: 1,
        };
        let refused = run(&mut state, &ancient, &ctx(5)).unwrap_err().to_string();
        assert!(
            refused.starts_with("Started must be between the years 1970 and 9999"),
            "{refused}"
        );
    }

    #[test]
    fn declaring_starts_in_triage_with_trimmed_title() {
        let inc = declared().unwrap();
        assert_eq!(inc.title, "Checkout is down");
        assert_eq!(inc.status, Status::Triage);
        assert_eq!(inc.version, 1);
        assert_eq!(inc.started_at, inc.detected_at);
        assert_eq!(inc.participants, vec![1]);
    }

    #[test]
    fn empty_and_overlong_titles_are_refused_with_the_limit() {
        for title in ["", "   "] {
            let cmd = Command::Declare {
                title: title.into(),
                severity: Severity::Sev3,
                summary: String::new(),
            };
            let err = decide(None, &cmd, &ctx(0)).unwrap_err();
            assert!(err.to_string().contains("must not be empty"), "{err}");
        }
        let cmd = Command::Declare {
            title: "x".repeat(TITLE_MAX_CHARS + 1),
            severity: Severity::Sev3,
            summary: String::new(),
        };
        let err = decide(None, &cmd, &ctx(0)).unwrap_err();
        assert!(err.to_string().contains("limit is 200"), "{err}");
    }

    #[test]
    fn illegal_transition_names_the_allowed_ones() {
        let inc = declared().unwrap();
        let cmd = Command::ChangeStatus {
            status: Status::Closed,
            expected_version: inc.version,
        };
        let msg = decide(Some(&inc), &cmd, &ctx(1)).unwrap_err().to_string();
        assert!(msg.contains("cannot move from Triage to Closed"), "{msg}");
        assert!(
            msg.contains("Investigating, Identified, Monitoring, Resolved, Declined"),
            "{msg}"
        );
    }

    #[test]
    fn stale_version_is_a_conflict() {
        let inc = declared().unwrap();
        let cmd = Command::ChangeSeverity {
            severity: Severity::Sev2,
            reason: "smaller".into(),
            expected_version: inc.version - 1,
        };
        let err = decide(Some(&inc), &cmd, &ctx(1)).unwrap_err();
        assert!(matches!(
            err,
            DomainError::Conflict {
                expected: 0,
                actual: 1
            }
        ));
    }

    #[test]
    fn acknowledging_moves_out_of_triage_once() {
        let mut state = declared();
        run(&mut state, &Command::Acknowledge, &ctx(3)).unwrap();
        let inc = state.clone().unwrap();
        assert_eq!(inc.status, Status::Investigating);
        assert_eq!(inc.acknowledged_at, Some(at(3)));
        let err = run(&mut state, &Command::Acknowledge, &ctx(4)).unwrap_err();
        assert!(err.to_string().contains("already acknowledged"), "{err}");
    }

    #[test]
    fn severity_changes_need_a_reason() {
        let mut state = declared();
        let cmd = |reason: &str, v| Command::ChangeSeverity {
            severity: Severity::Sev2,
            reason: reason.into(),
            expected_version: v,
        };
        let err = run(&mut state, &cmd("  ", 1), &ctx(1)).unwrap_err();
        assert!(
            err.to_string().contains("Reason must not be empty"),
            "{err}"
        );
        run(&mut state, &cmd("only EU", 1), &ctx(1)).unwrap();
        assert_eq!(state.as_ref().unwrap().severity, Severity::Sev2);
    }

    #[test]
    fn timestamps_are_validated_and_the_rule_is_named() {
        let mut state = declared();
        run(&mut state, &Command::Acknowledge, &ctx(10)).unwrap();
        // Detected after acknowledged: refused, naming both.
        let cmd = Command::SetTimestamp {
            milestone: Milestone::Detected,
            at: at(11),
            reason: "paged late".into(),
            expected_version: version(&state),
        };
        let msg = run(&mut state, &cmd, &ctx(20)).unwrap_err().to_string();
        assert!(
            msg.contains("Acknowledged") && msg.contains("cannot be before detected"),
            "{msg}"
        );
        assert!(msg.contains("started ≤ detected ≤ acknowledged"), "{msg}");
        // Started after detected.
        let cmd = Command::SetTimestamp {
            milestone: Milestone::Started,
            at: at(5),
            reason: "x".into(),
            expected_version: version(&state),
        };
        let msg = run(&mut state, &cmd, &ctx(20)).unwrap_err().to_string();
        assert!(
            msg.contains("Detected") && msg.contains("cannot be before started"),
            "{msg}"
        );
        // In the future.
        let cmd = Command::SetTimestamp {
            milestone: Milestone::Started,
            at: at(60),
            reason: "x".into(),
            expected_version: version(&state),
        };
        let msg = run(&mut state, &cmd, &ctx(20)).unwrap_err().to_string();
        assert!(msg.contains("cannot be in the future"), "{msg}");
        // Not happened yet.
        let cmd = Command::SetTimestamp {
            milestone: Milestone::Resolved,
            at: at(15),
            reason: "x".into(),
            expected_version: version(&state),
        };
        let msg = run(&mut state, &cmd, &ctx(20)).unwrap_err().to_string();
        assert!(msg.contains("has not happened yet"), "{msg}");
        // Started earlier than detected: fine, and recorded with the old value.
        let cmd = Command::SetTimestamp {
            milestone: Milestone::Started,
            at: at(-30),
            reason: "errors began before the alert".into(),
            expected_version: version(&state),
        };
        run(&mut state, &cmd, &ctx(20)).unwrap();
        assert_eq!(state.as_ref().unwrap().started_at, at(-30));
    }

    fn note(state: &mut Option<Incident>, actor: i64) -> EventRecord {
        let cmd = Command::PostNote {
            body: "a note".into(),
        };
        let mut payloads = decide(state.as_ref(), &cmd, &ctx(1)).unwrap();
        let mut e = record(state, payloads.remove(0), 1);
        e.actor.id = actor;
        apply(state, &e);
        e
    }

    #[test]
    fn only_authors_edit_or_delete_their_notes() {
        let mut state = declared();
        let mine = note(&mut state, 1);
        let theirs = note(&mut state, 2);
        let c = Context {
            entry: Some(&theirs),
            ..ctx(2)
        };
        let err = decide(
            state.as_ref(),
            &Command::EditNote {
                event_id: theirs.id,
                body: "x".into(),
            },
            &c,
        )
        .unwrap_err();
        assert!(matches!(err, DomainError::Forbidden(_)), "{err}");
        let c = Context {
            entry: Some(&mine),
            ..ctx(2)
        };
        run(&mut state, &Command::Pin { event_id: mine.id }, &c).unwrap();
        assert_eq!(state.as_ref().unwrap().pinned, vec![mine.id]);
        run(&mut state, &Command::DeleteNote { event_id: mine.id }, &c).unwrap();
        let inc = state.clone().unwrap();
        assert!(inc.pinned.is_empty(), "a deleted note is unpinned");
        let err = run(
            &mut state,
            &Command::EditNote {
                event_id: mine.id,
                body: "again".into(),
            },
            &c,
        )
        .unwrap_err();
        assert!(err.to_string().contains("deleted"), "{err}");
        // An entry of another incident is not found.
        let mut foreign = mine.clone();
        foreign.incident_id = 99;
        let c = Context {
            entry: Some(&foreign),
            ..ctx(2)
        };
        let err = run(&mut state, &Command::Pin { event_id: mine.id }, &c).unwrap_err();
        assert!(matches!(err, DomainError::NotFound(_)), "{err}");
    }

    #[test]
    fn merging_makes_the_duplicate_read_only_and_tells_the_survivor() {
        let mut dup = declared();
        let mut survivor = declared().unwrap();
        survivor.id = 8;
        let cmd = Command::MergeInto {
            target_id: 8,
            expected_version: version(&dup),
        };
        let c = Context {
            target: Some(&survivor),
            ..ctx(5)
        };
        let payloads = decide(dup.as_ref(), &cmd, &c).unwrap();
        let (target, other) = counterpart(dup.as_ref().unwrap(), &payloads[0]).unwrap();
        assert_eq!(target, 8);
        assert!(matches!(
            other,
            EventPayload::DuplicateMerged {
                duplicate_id: 7,
                ..
            }
        ));
        let e = record(&dup, payloads[0].clone(), 5);
        apply(&mut dup, &e);
        let inc = dup.clone().unwrap();
        assert_eq!((inc.status, inc.merged_into), (Status::Merged, Some(8)));
        let err = run(&mut dup, &Command::PostNote { body: "x".into() }, &ctx(6)).unwrap_err();
        assert!(err.to_string().contains("merged into INC-8"), "{err}");
        // Into itself, or into something merged further.
        let self_merge = Command::MergeInto {
            target_id: 8,
            expected_version: survivor.version,
        };
        let c = Context {
            target: Some(&survivor),
            ..ctx(6)
        };
        assert!(decide(Some(&survivor), &self_merge, &c)
            .unwrap_err()
            .to_string()
            .contains("into itself"));
        let fresh = declared().unwrap();
        let c = Context {
            target: Some(&inc),
            ..ctx(6)
        };
        let into_merged = Command::MergeInto {
            target_id: 7,
            expected_version: fresh.version,
        };
        let mut fresh2 = fresh.clone();
        fresh2.id = 9;
        assert!(decide(Some(&fresh2), &into_merged, &c)
            .unwrap_err()
            .to_string()
            .contains("merge into INC-8 instead"));
        // Back into the duplicate that went into it: already one incident, not "merge into
        // yourself instead".
        let c = Context {
            target: Some(&inc),
            ..ctx(6)
        };
        let back = Command::MergeInto {
            target_id: 7,
            expected_version: survivor.version,
        };
        let refused = decide(Some(&survivor), &back, &c).unwrap_err().to_string();
        assert!(
            refused.contains("was already merged into this incident"),
            "{refused}"
        );
    }

    #[test]
    fn public_updates_restart_the_update_clock() {
        // SEV1: a public update is due every 30 minutes (product.md), counted from detection.
        let next_update = |state: &Option<Incident>| {
            let clocks = crate::domain::clocks(
                state.as_ref().unwrap(),
                &crate::domain::SlaPolicy::default(),
                at(13),
            );
            clocks
                .iter()
                .find(|c| c.kind == ClockKind::NextUpdate)
                .and_then(|c| c.deadline)
        };
        let mut state = declared();
        assert_eq!(next_update(&state), Some(at(30)));
        let cmd = Command::PublishUpdate {
            visibility: Visibility::Internal,
            body: "internal".into(),
        };
        run(&mut state, &cmd, &ctx(10)).unwrap();
        assert_eq!(
            next_update(&state),
            Some(at(30)),
            "internal updates do not count"
        );
        let cmd = Command::PublishUpdate {
            visibility: Visibility::Public,
            body: "public".into(),
        };
        run(&mut state, &cmd, &ctx(12)).unwrap();
        assert_eq!(next_update(&state), Some(at(42)));
    }

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

    fn user(id: i64, name: &str, role: crate::domain::UserRole) -> User {
        User {
            id,
            name: name.into(),
            email: format!("{id}@example.com"),
            role,
            team: String::new(),
            on_call: false,
        }
    }

    fn assign(state: &Option<Incident>, role: &str, person: &User) -> Command {
        Command::AssignRole {
            role: role.into(),
            person_id: person.id,
            expected_version: state.as_ref().unwrap().roles.version,
        }
    }

    #[test]
    fn role_commands_check_the_board_version_and_name_the_holder() {
        use crate::domain::UserRole;
        let mut state = declared();
        let sam = user(2, "Sam Okafor", UserRole::Responder);
        let riley = user(3, "Riley Novak", UserRole::Responder);
        // Both looked at the empty board (version 0) and drop onto the commander role.
        let from_sam = assign(&state, "incident_commander", &sam);
        let from_riley = assign(&state, "incident_commander", &riley);
        let c = Context {
            person: Some(&sam),
            ..ctx(1)
        };
        run(&mut state, &from_sam, &c).unwrap();
        // A note in between does not move the board's version.
        run(&mut state, &Command::PostNote { body: "x".into() }, &ctx(2)).unwrap();
        assert_eq!(state.as_ref().unwrap().roles.version, 1);
        let c = Context {
            person: Some(&riley),
            ..ctx(2)
        };
        let err = decide(state.as_ref(), &from_riley, &c).unwrap_err();
        assert_eq!(
            err,
            DomainError::Outdated(
                "Sam Okafor is already Incident Commander: relieve them first, or swap.".into()
            )
        );
        assert!(crate::domain::AppError::from(err).is_conflict());
        // A stale view whose change would still be allowed is refused too, without a rule.
        let stale = Command::AssignRole {
            role: "tech_lead".into(),
            person_id: riley.id,
            expected_version: 0,
        };
        let msg = decide(state.as_ref(), &stale, &c).unwrap_err().to_string();
        assert!(msg.contains("role board changed"), "{msg}");
        // With the current version: assigned, and on the timeline with the actor.
        let cmd = assign(&state, "tech_lead", &riley);
        run(&mut state, &cmd, &c).unwrap();
        let inc = state.clone().unwrap();
        assert!(inc.roles.holds("tech_lead", 3));
        assert_eq!(inc.roles.version, 2);
        // Stakeholders hold no roles; unknown people are not found.
        let stella = user(6, "Stella Ortiz", UserRole::Stakeholder);
        let c = Context {
            person: Some(&stella),
            ..ctx(3)
        };
        let msg = decide(state.as_ref(), &assign(&state, "scribe", &stella), &c)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("stakeholder"), "{msg}");
        let err = decide(state.as_ref(), &assign(&state, "scribe", &sam), &ctx(3)).unwrap_err();
        assert!(matches!(err, DomainError::NotFound(_)), "{err}");
    }

    #[test]
    fn what_the_browser_plans_is_what_the_server_decides() {
        use crate::domain::UserRole;
        let mut state = declared();
        let people = [
            user(1, "Iris Chen", UserRole::Admin),
            user(2, "Sam Okafor", UserRole::Responder),
        ];
        let actor = |u: &User| Actor {
            id: u.id,
            name: u.name.clone(),
        };
        let catalog = RoleCatalog::default();
        let drops: [(usize, Option<&str>, Option<&str>); 5] = [
            (0, None, Some("incident_commander")),
            (1, None, Some("tech_lead")),
            (1, Some("tech_lead"), Some("incident_commander")),
            (0, Some("tech_lead"), Some("scribe")),
            (1, Some("incident_commander"), None),
        ];
        for (who, from, to) in drops {
            let inc = state.clone().unwrap();
            let planned = inc
                .roles
                .plan_drop(&catalog, &actor(&people[who]), from, to)
                .unwrap()
                .unwrap();
            let cmd = Command::for_role_change(&planned, inc.roles.version).unwrap();
            let c = Context {
                person: Some(&people[who]),
                ..ctx(1)
            };
            assert_eq!(decide(Some(&inc), &cmd, &c).unwrap(), vec![planned]);
            run(&mut state, &cmd, &c).unwrap();
        }
        let inc = state.unwrap();
        assert_eq!(inc.roles.version, 5);
        assert_eq!(inc.roles.roles_of(1), ["scribe"]);
        assert!(inc.roles.roles_of(2).is_empty());
    }

    #[test]
    fn a_major_incident_needs_a_commander_while_it_is_open() {
        use crate::domain::UserRole;
        let mut state = declared();
        assert!(state.as_ref().unwrap().needs_commander(true));
        assert!(!state.as_ref().unwrap().needs_commander(false));
        let iris = user(1, "Iris Chen", UserRole::Admin);
        let c = Context {
            person: Some(&iris),
            ..ctx(1)
        };
        let cmd = assign(&state, "incident_commander", &iris);
        run(&mut state, &cmd, &c).unwrap();
        assert!(!state.as_ref().unwrap().needs_commander(true));
        let relieve = Command::RelieveRole {
            role: "incident_commander".into(),
            person_id: 1,
            expected_version: 1,
        };
        run(&mut state, &relieve, &ctx(2)).unwrap();
        assert!(state.as_ref().unwrap().needs_commander(true));
    }

    #[test]
    fn checklists_are_ticked_by_the_holder_or_the_commander() {
        use crate::domain::UserRole;
        let mut state = declared();
        let tick = |done| Command::TickChecklist {
            role: "scribe".into(),
            item: "Pin key moments".into(),
            done,
        };
        // Actor 1 holds nothing yet.
        let err = decide(state.as_ref(), &tick(true), &ctx(1)).unwrap_err();
        assert!(matches!(err, DomainError::Forbidden(_)), "{err}");
        let iris = user(1, "Iris Chen", UserRole::Admin);
        let c = Context {
            person: Some(&iris),
            ..ctx(1)
        };
        let cmd = assign(&state, "incident_commander", &iris);
        run(&mut state, &cmd, &c).unwrap();
        run(&mut state, &tick(true), &ctx(2)).unwrap();
        let inc = state.clone().unwrap();
        assert!(inc.roles.is_ticked("scribe", "Pin key moments"));
        assert_eq!(inc.roles.version, 1, "ticks do not move the board version");
        assert!(decide(state.as_ref(), &tick(true), &ctx(3))
            .unwrap_err()
            .to_string()
            .contains("already ticked"));
        let other = Command::TickChecklist {
            role: "scribe".into(),
            item: "Make coffee".into(),
            done: true,
        };
        assert!(decide(state.as_ref(), &other, &ctx(3))
            .unwrap_err()
            .to_string()
            .contains("not on the Scribe checklist"));
        run(&mut state, &tick(false), &ctx(4)).unwrap();
        assert!(!state
            .as_ref()
            .unwrap()
            .roles
            .is_ticked("scribe", "Pin key moments"));
    }

    #[test]
    fn every_kind_is_listed_once() {
        let mut kinds = EventPayload::KINDS.to_vec();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), EventPayload::KINDS.len());
    }

    /// A random command: (kind, status index, version skew, milestone index, minutes offset).
    fn any_command() -> impl Strategy<Value = (u8, usize, i64, usize, i64)> {
        (
            0u8..8,
            0usize..Status::ALL.len(),
            -1i64..2,
            0usize..Milestone::ALL.len(),
            -120i64..30,
        )
    }

    proptest! {
        /// Any sequence of commands: the status only ever moves along allowed transitions (Merged
        /// only by a merge), the version grows by one per event, refused commands change nothing,
        /// and the timestamps stay ordered started ≤ detected ≤ acknowledged ≤ mitigated ≤
        /// resolved ≤ closed.
        #[test]
        fn lifecycle_invariants_hold(cmds in proptest::collection::vec(any_command(), 0..80)) {
            let mut state = declared();
            let mut survivor = declared().unwrap();
            survivor.id = 8;
            for (step, (kind, status_ix, skew, milestone_ix, offset)) in cmds.into_iter().enumerate() {
                let minute = step as i64 + 1;
                let before = state.clone().unwrap();
                let v = before.version + skew;
                let cmd = match kind {
                    0 => Command::PostNote { body: "note".into() },
                    1 | 2 => Command::ChangeStatus { status: Status::ALL[status_ix], expected_version: v },
                    3 => Command::Acknowledge,
                    4 => Command::SetTimestamp {
                        milestone: Milestone::ALL[milestone_ix],
                        at: at(minute + offset),
                        reason: "correction".into(),
                        expected_version: v,
                    },
                    5 => Command::ChangeSeverity {
                        severity: Severity::ALL[status_ix % 4],
                        reason: "r".into(),
                        expected_version: v,
                    },
                    6 => Command::PublishUpdate { visibility: Visibility::Public, body: "u".into() },
                    _ => Command::MergeInto { target_id: 8, expected_version: v },
                };
                let c = Context { target: Some(&survivor), ..ctx(minute) };
                match decide(state.as_ref(), &cmd, &c) {
                    Ok(payloads) => {
                        if let Some(expected) = cmd.expected_version() {
                            prop_assert_eq!(expected, before.version);
                        }
                        for p in payloads {
                            let e = record(&state, p, minute);
                            apply(&mut state, &e);
                        }
                        let after = state.clone().unwrap();
                        prop_assert_eq!(after.version, before.version + 1);
                        if after.status != before.status {
                            match &cmd {
                                Command::MergeInto { .. } => prop_assert_eq!(after.status, Status::Merged),
                                Command::Acknowledge => prop_assert_eq!(
                                    (before.status, after.status),
                                    (Status::Triage, Status::Investigating)
                                ),
                                _ => prop_assert!(before.status.can_move_to(after.status)),
                            }
                        }
                    }
                    Err(_) => prop_assert_eq!(state.as_ref(), Some(&before)),
                }
                let inc = state.as_ref().unwrap();
                prop_assert!(inc.check_milestones().is_ok(), "{:?}", inc.check_milestones());
                if inc.status == Status::Resolved { prop_assert!(inc.resolved_at.is_some()); }
                if inc.status.is_active() { prop_assert!(inc.resolved_at.is_none()); }
                if !matches!(inc.status, Status::Triage | Status::Declined | Status::Merged) {
                    prop_assert!(inc.acknowledged_at.is_some());
                }
                prop_assert_eq!(inc.merged_into.is_some(), inc.status == Status::Merged);
            }
        }
    }
}
