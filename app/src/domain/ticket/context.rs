//! What a ticket's `decide` is told besides the ticket and the command: who asks, when, and what
//! the command refers to, as the server looked it up.

use chrono::{DateTime, Duration, Utc};

use super::state::Ticket;
use crate::domain::incident::Incident;
use crate::domain::user::User;

/// How long after Solved Sitrep closes a ticket, unless configured otherwise.
pub const CLOSE_AFTER_DAYS: i64 = 4;

#[derive(Debug, Clone, Copy)]
pub struct TicketContext<'a> {
    /// Who asks (`None` when Sitrep does).
    pub actor: Option<&'a User>,
    pub now: DateTime<Utc>,
    /// The person an update assigns the ticket to (`None` when there is no such person).
    pub assignee: Option<&'a User>,
    /// The ticket a merge goes into.
    pub target: Option<&'a Ticket>,
    /// The incident a link goes to.
    pub incident: Option<&'a Incident>,
    /// How long a ticket stays Solved before Sitrep closes it.
    pub close_after: Duration,
}

impl Default for TicketContext<'_> {
    fn default() -> Self {
        TicketContext {
            actor: None,
            now: DateTime::<Utc>::default(),
            assignee: None,
            target: None,
            incident: None,
            close_after: Duration::days(CLOSE_AFTER_DAYS),
        }
    }
}
