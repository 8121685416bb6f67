//! Mail in: a mail from the inbound bridge opens a ticket, or answers the one it names (by
//! `In-Reply-To`, or a `[#T-123]` tag in its subject) — as a reply when its sender is on that
//! ticket's conversation, as a follow-up when the ticket is closed, as a new ticket related to
//! it when the sender is not on it (`Ticket::route_reply` decides). A mail is taken once.

use app::api::ticket_requests::InboundMail;
use app::domain::{referenced_ticket, AppError, ErrorKind, ReplyRoute, Ticket, User};

use super::Service;

/// What a mail came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MailOutcome {
    /// A new ticket.
    Opened,
    /// A reply on the ticket it answers.
    Replied,
    /// A new ticket following up a closed one.
    FollowUp,
    /// A new ticket, related to the one it named, whose conversation its sender is not on.
    Related,
    /// Taken already (the same `Message-ID`): nothing changed.
    Duplicate,
}

/// How many merges a reply follows to the ticket that survived them.
const MERGES_FOLLOWED: usize = 16;

impl Service {
    /// Takes `mail` for `actor` (the inbound bridge's token owner).
    pub async fn receive_mail(
        &self,
        actor: &User,
        mail: &InboundMail,
    ) -> Result<(Ticket, MailOutcome), AppError> {
        let taken = mail.message_id.iter().cloned().collect::<Vec<_>>();
        if let Some(ticket) = self.taken(mail).await? {
            return Ok((ticket, MailOutcome::Duplicate));
        }
        let named = match &mail.in_reply_to {
            Some(id) => self.store.ticket_for_mail(id).await?,
            None => None,
        }
        .or_else(|| referenced_ticket(&mail.subject));
        let mut ticket = match named {
            Some(id) => self.store.ticket(id).await?,
            None => None,
        };
        // A merged ticket's conversation goes on in the one it was merged into.
        for _ in 0..MERGES_FOLLOWED {
            let Some(into) = ticket.as_ref().and_then(|t| t.merged_into) else {
                break;
            };
            ticket = self.store.ticket(into).await?;
        }
        let (target, command, outcome) = match ticket {
            None => (None, mail.opening(None), MailOutcome::Opened),
            Some(t) => match t.route_reply(&mail.from.email) {
                ReplyRoute::Reply => (Some(t.id), mail.reply(), MailOutcome::Replied),
                ReplyRoute::FollowUp => (
                    None,
                    app::domain::TicketCommand::Open(t.follow_up(
                        mail.from.clone(),
                        &mail.subject,
                        &mail.text,
                        mail.message_id.clone(),
                    )),
                    MailOutcome::FollowUp,
                ),
                ReplyRoute::Related | ReplyRoute::MergedInto(_) => {
                    (None, mail.opening(Some(t.id)), MailOutcome::Related)
                }
            },
        };
        match self.execute_ticket(actor, target, command, taken).await {
            Ok((ticket, _)) => Ok((ticket, outcome)),
            // Delivered twice at once: the other delivery took it.
            Err(e) if e.kind == ErrorKind::Conflict => match self.taken(mail).await? {
                Some(ticket) => Ok((ticket, MailOutcome::Duplicate)),
                None => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    /// The ticket that took this mail already, if any.
    async fn taken(&self, mail: &InboundMail) -> Result<Option<Ticket>, AppError> {
        let Some(id) = &mail.message_id else {
            return Ok(None);
        };
        match self.store.ticket_for_mail(id).await? {
            Some(ticket) => Ok(self.store.ticket(ticket).await?),
            None => Ok(None),
        }
    }
}
