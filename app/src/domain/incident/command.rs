//! What someone can ask of an incident, by area; never stored. Which commands need an existing
//! or an open incident, which carry a version, who may send them, and what the server must look
//! up for them: each written once, in the two tables here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::event::EventPayload;
use super::values::{Affected, Milestone, Severity, Status, Visibility};
use crate::domain::sla::clock::ClockKind;

/// What someone asks Sitrep to do to an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// Starts a new incident.
    Declare(Declaration),
    Lifecycle(LifecycleCommand),
    Timeline(TimelineCommand),
    Impact(ImpactCommand),
    Roles(RoleCommand),
    Sla(SlaCommand),
}

/// A new incident: what it is and how bad.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declaration {
    pub title: String,
    pub severity: Severity,
    pub summary: String,
}

/// Where the incident is in its life, and when things happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LifecycleCommand {
    /// Someone is on it: records the acknowledgement and moves a new incident out of triage.
    Acknowledge,
    ChangeStatus {
        status: Status,
        expected_version: i64,
    },
    ChangeSeverity {
        severity: Severity,
        reason: String,
        expected_version: i64,
    },
    /// Corrects when something happened.
    SetTimestamp {
        milestone: Milestone,
        at: DateTime<Utc>,
        reason: String,
        expected_version: i64,
    },
    /// This incident is a duplicate of `target_id`.
    MergeInto {
        target_id: i64,
        expected_version: i64,
    },
}

/// What is written on the timeline: notes, status updates, pins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TimelineCommand {
    PostNote {
        body: String,
    },
    EditNote {
        event_id: i64,
        body: String,
    },
    DeleteNote {
        event_id: i64,
    },
    Pin {
        event_id: i64,
    },
    Unpin {
        event_id: i64,
    },
    PublishUpdate {
        visibility: Visibility,
        body: String,
    },
}

/// What customers see, and which services are affected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ImpactCommand {
    Update {
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
}

/// Who holds which role. The `expected_version` of these is the role board's version, so a note
/// posted meanwhile does not refuse a drag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RoleCommand {
    /// Puts a person in a role (a catalog key such as `incident_commander`). A single-holder
    /// role that is held is handed over: its holder is relieved at the same instant.
    Assign {
        role: String,
        person_id: i64,
        expected_version: i64,
    },
    Relieve {
        role: String,
        person_id: i64,
        expected_version: i64,
    },
    /// Hands a holder over to another role in one step.
    Move {
        person_id: i64,
        from: String,
        to: String,
        expected_version: i64,
    },
    /// Exchanges the holders of two single-holder roles.
    Swap {
        first_role: String,
        second_role: String,
        expected_version: i64,
    },
    TickChecklist {
        role: String,
        item: String,
        done: bool,
    },
}

/// What Sitrep itself records about the incident's SLA clocks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SlaCommand {
    /// An SLA clock missed its deadline.
    RecordBreach {
        clock: ClockKind,
        started_at: DateTime<Utc>,
        deadline: DateTime<Utc>,
    },
}

macro_rules! area {
    ($($area:ident($ty:ty)),*) => {$(
        impl From<$ty> for Command {
            fn from(command: $ty) -> Command {
                Command::$area(command)
            }
        }
    )*};
}
area!(
    Declare(Declaration),
    Lifecycle(LifecycleCommand),
    Timeline(TimelineCommand),
    Impact(ImpactCommand),
    Roles(RoleCommand),
    Sla(SlaCommand)
);

/// What a command asks of its incident before its own rules are heard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    pub incident: Requires,
    /// The version the sender saw, for commands that must not act on a stale view. Commands
    /// that add to the incident without contradicting anything (notes, pins, links) have none.
    pub version: Option<Expected>,
    pub sender: Sender,
}

/// Which incident a command can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requires {
    /// None yet: it starts one.
    Nothing,
    /// One that exists and was not merged away (a merged incident takes nothing more).
    Existing,
    /// One that is not closed either.
    Open,
}

/// A version the sender saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// The incident's version.
    Incident(i64),
    /// The role board's version.
    Board(i64),
}

/// Who may send a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    /// Someone who may change incidents.
    Person,
    /// Sitrep itself, never a person (breaches are recorded by the server, not claimed).
    System,
}

/// What the server looks up for `decide`, by the ids the command names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Refers {
    /// A timeline entry.
    pub entry: Option<i64>,
    /// A catalog service.
    pub service: Option<i64>,
    /// Another incident (the survivor of a merge).
    pub incident: Option<i64>,
    /// The person a role is given to.
    pub person: Option<i64>,
    /// The role catalog.
    pub roles: bool,
}

impl Command {
    /// The table of what each command needs: an incident (open or not), a version, a sender.
    pub fn needs(&self) -> Needs {
        use Requires::{Existing, Nothing, Open};
        let by = |incident, version| Needs {
            incident,
            version,
            sender: Sender::Person,
        };
        let seen = |v: &i64| Some(Expected::Incident(*v));
        let board = |v: &i64| Some(Expected::Board(*v));
        match self {
            Command::Declare(_) => by(Nothing, None),
            Command::Lifecycle(c) => match c {
                LifecycleCommand::Acknowledge => by(Existing, None),
                LifecycleCommand::ChangeStatus {
                    expected_version, ..
                }
                | LifecycleCommand::SetTimestamp {
                    expected_version, ..
                } => by(Existing, seen(expected_version)),
                LifecycleCommand::ChangeSeverity {
                    expected_version, ..
                }
                | LifecycleCommand::MergeInto {
                    expected_version, ..
                } => by(Open, seen(expected_version)),
            },
            Command::Timeline(c) => match c {
                TimelineCommand::PostNote { .. }
                | TimelineCommand::EditNote { .. }
                | TimelineCommand::DeleteNote { .. }
                | TimelineCommand::Pin { .. }
                | TimelineCommand::Unpin { .. } => by(Existing, None),
                TimelineCommand::PublishUpdate { .. } => by(Open, None),
            },
            Command::Impact(c) => match c {
                ImpactCommand::Update {
                    expected_version, ..
                } => by(Open, seen(expected_version)),
                ImpactCommand::LinkService { .. } | ImpactCommand::UnlinkService { .. } => {
                    by(Open, None)
                }
            },
            Command::Roles(c) => match c {
                RoleCommand::Assign {
                    expected_version, ..
                }
                | RoleCommand::Relieve {
                    expected_version, ..
                }
                | RoleCommand::Move {
                    expected_version, ..
                }
                | RoleCommand::Swap {
                    expected_version, ..
                } => by(Open, board(expected_version)),
                RoleCommand::TickChecklist { .. } => by(Open, None),
            },
            Command::Sla(SlaCommand::RecordBreach { .. }) => Needs {
                incident: Existing,
                version: None,
                sender: Sender::System,
            },
        }
    }

    /// The table of what the server looks up for each command; `decide` says what to do when
    /// it does not exist.
    pub fn refers(&self) -> Refers {
        let none = Refers::default();
        match self {
            Command::Declare(_) | Command::Sla(_) => none,
            Command::Lifecycle(c) => match c {
                LifecycleCommand::MergeInto { target_id, .. } => Refers {
                    incident: Some(*target_id),
                    ..none
                },
                LifecycleCommand::Acknowledge
                | LifecycleCommand::ChangeStatus { .. }
                | LifecycleCommand::ChangeSeverity { .. }
                | LifecycleCommand::SetTimestamp { .. } => none,
            },
            Command::Timeline(c) => match c {
                TimelineCommand::EditNote { event_id, .. }
                | TimelineCommand::DeleteNote { event_id }
                | TimelineCommand::Pin { event_id }
                | TimelineCommand::Unpin { event_id } => Refers {
                    entry: Some(*event_id),
                    ..none
                },
                TimelineCommand::PostNote { .. } | TimelineCommand::PublishUpdate { .. } => none,
            },
            Command::Impact(c) => match c {
                ImpactCommand::LinkService { service_id }
                | ImpactCommand::UnlinkService { service_id } => Refers {
                    service: Some(*service_id),
                    ..none
                },
                ImpactCommand::Update { .. } => none,
            },
            Command::Roles(c) => Refers {
                person: match c {
                    RoleCommand::Assign { person_id, .. } => Some(*person_id),
                    RoleCommand::Relieve { .. }
                    | RoleCommand::Move { .. }
                    | RoleCommand::Swap { .. }
                    | RoleCommand::TickChecklist { .. } => None,
                },
                roles: true,
                ..none
            },
        }
    }

    /// The incident version the sender saw, if the command carries one.
    pub fn expected_version(&self) -> Option<i64> {
        match self.needs().version {
            Some(Expected::Incident(version)) => Some(version),
            Some(Expected::Board(_)) | None => None,
        }
    }

    /// Only Sitrep itself may send it.
    pub fn is_system(&self) -> bool {
        self.needs().sender == Sender::System
    }

    /// The command that asks for a role change the browser planned on a board at `version`;
    /// `None` for an event that is no role change.
    pub fn for_role_change(change: &EventPayload, version: i64) -> Option<Command> {
        let expected_version = version;
        let command = match change {
            EventPayload::RoleAssigned { role, person } => RoleCommand::Assign {
                role: role.clone(),
                person_id: person.id,
                expected_version,
            },
            EventPayload::RoleHandedOver { role, to, .. } => RoleCommand::Assign {
                role: role.clone(),
                person_id: to.id,
                expected_version,
            },
            EventPayload::RoleRelieved { role, person } => RoleCommand::Relieve {
                role: role.clone(),
                person_id: person.id,
                expected_version,
            },
            EventPayload::RoleMoved { person, from, to } => RoleCommand::Move {
                person_id: person.id,
                from: from.clone(),
                to: to.clone(),
                expected_version,
            },
            EventPayload::RolesSwapped {
                first_role,
                second_role,
                ..
            } => RoleCommand::Swap {
                first_role: first_role.clone(),
                second_role: second_role.clone(),
                expected_version,
            },
            _ => return None,
        };
        Some(command.into())
    }
}
