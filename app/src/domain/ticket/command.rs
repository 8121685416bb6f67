//! What can be asked of a ticket; never stored. Who may send each command, and whether it needs
//! an existing ticket and which version it carries: written once, in `needs`.

use serde::{Deserialize, Serialize};

use super::values::{Channel, Priority, TicketStatus};

/// Who wrote in: a customer, known by their address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Requester {
    pub name: String,
    /// Kept normalised (`normalize_email`): replies are matched to tickets by it.
    pub email: String,
}

/// What someone asks Sitrep to do to a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TicketCommand {
    /// A new ticket, by whichever door it came in.
    Open(NewTicket),
    /// An agent writes on the ticket: a public reply (mailed to the requester) or an internal
    /// note (seen by agents only).
    Reply {
        body: String,
        public: bool,
    },
    /// The requester (or an address copied on the ticket) writes back.
    RequesterReply {
        from: String,
        body: String,
        #[serde(default)]
        message_id: Option<String>,
    },
    /// Triage: any of priority, assignee, status and tags at once (one ticket or, the same change
    /// for each, a selection).
    Update(TicketUpdate),
    /// This ticket duplicates `target_id`: its conversation and links move there.
    MergeInto {
        target_id: i64,
        #[serde(default)]
        expected_version: Option<i64>,
    },
    LinkIncident {
        incident_id: i64,
    },
    UnlinkIncident {
        incident_id: i64,
    },
    /// Sitrep closes a ticket some days after it was solved.
    Close,
}

/// A ticket as it arrives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTicket {
    pub requester: Requester,
    #[serde(default)]
    pub organisation: String,
    pub subject: String,
    pub body: String,
    pub channel: Channel,
    pub priority: Priority,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Other addresses on the conversation: their replies count as the requester's.
    #[serde(default)]
    pub cc: Vec<String>,
    /// The mail that opened it (for threading the answers).
    #[serde(default)]
    pub message_id: Option<String>,
    /// The closed ticket a reply came in to.
    #[serde(default)]
    pub follow_up_of: Option<i64>,
    /// A ticket whose number the sender quoted without being on it.
    #[serde(default)]
    pub related_to: Option<i64>,
}

/// A triage change: each field left `None` stays as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketUpdate {
    #[serde(default)]
    pub priority: Option<Priority>,
    #[serde(default)]
    pub assignee: Option<Assignee>,
    #[serde(default)]
    pub status: Option<TicketStatus>,
    /// Replaces the tags.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub add_tags: Vec<String>,
    #[serde(default)]
    pub remove_tags: Vec<String>,
    /// The version the sender saw (a selection's bulk change sends none).
    #[serde(default)]
    pub expected_version: Option<i64>,
}

/// Who a ticket is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assignee {
    Person(i64),
    Nobody,
}

/// Who may send a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketSender {
    /// Someone who may work tickets: a signed-in agent, or the owner of the write token an
    /// integration (the inbound-mail bridge, a web form) sends with. The requester is not a
    /// user: what they wrote is in the command.
    Person,
    /// Sitrep itself (the automatic close).
    Sitrep,
}

/// What a command needs of the ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketNeeds {
    /// It acts on an existing ticket (all but `Open`).
    pub existing: bool,
    pub sender: TicketSender,
    pub version: Option<i64>,
}

impl TicketCommand {
    pub fn needs(&self) -> TicketNeeds {
        let (existing, sender, version) = match self {
            TicketCommand::Open(_) => (false, TicketSender::Person, None),
            TicketCommand::Reply { .. }
            | TicketCommand::LinkIncident { .. }
            | TicketCommand::UnlinkIncident { .. } => (true, TicketSender::Person, None),
            TicketCommand::RequesterReply { .. } => (true, TicketSender::Person, None),
            TicketCommand::Update(u) => (true, TicketSender::Person, u.expected_version),
            TicketCommand::MergeInto {
                expected_version, ..
            } => (true, TicketSender::Person, *expected_version),
            TicketCommand::Close => (true, TicketSender::Sitrep, None),
        };
        TicketNeeds {
            existing,
            sender,
            version,
        }
    }
}
