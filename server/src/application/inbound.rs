//! Mail in: a mail from the inbound bridge opens a ticket, or answers the one it names (by
//! `In-Reply-To`, or a `[#T-123]` tag in its subject) — as a reply when its sender is on that
//! ticket's conversation, as a follow-up when the ticket is closed, as a new ticket related to
//! it when the sender is not on it (`Ticket::route_reply` decides). A mail is taken once.

use app::api::ticket_requests::InboundMail;
use app::domain::{
    referenced_ticket, Action, AppError, ErrorKind, ReplyRoute, Ticket, TicketCommand, User,
};

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
/// How often a mail is routed again when the ticket it answers changed under it (closed or
/// merged meanwhile).
const ROUTES_TRIED: usize = 3;

impl Service {
    /// Takes `mail` for `actor` (the inbound bridge's token owner).
    pub async fn receive_mail(
        &self,
        actor: &User,
        mail: &InboundMail,
    ) -> Result<(Ticket, MailOutcome), AppError> {
        actor.require(Action::WorkTickets)?;
        let mut tries = 0;
        loop {
            tries += 1;
            if let Some(ticket) = self.taken(mail).await? {
                return Ok((ticket, MailOutcome::Duplicate));
            }
            let (target, command, outcome) = self.route(mail).await?;
            let taken = vec![mail.message_id.clone()];
            match self.execute_ticket(actor, target, command, taken).await {
                Ok((ticket, _)) => return Ok((ticket, outcome)),
                // Delivered twice at once (the other delivery took it), or the ticket was closed
                // or merged meanwhile: route it again.
                Err(e) if e.kind == ErrorKind::Conflict && tries < ROUTES_TRIED => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Where `mail` goes now: the ticket it adds to (`None`: a new one), as which command.
    async fn route(
        &self,
        mail: &InboundMail,
    ) -> Result<(Option<i64>, TicketCommand, MailOutcome), AppError> {
        let named = match &mail.in_reply_to {
            Some(id) => self.store.ticket_for_mail(id).await?,
            None => None,
        }
        .or_else(|| referenced_ticket(&mail.subject));
        let Some(mut ticket) = (match named {
            Some(id) => self.store.ticket(id).await?,
            None => None,
        }) else {
            return Ok((None, mail.opening(None), MailOutcome::Opened));
        };
        // A merged ticket's conversation goes on in the one it was merged into.
        for _ in 0..MERGES_FOLLOWED {
            let Some(into) = ticket.merged_into else {
                break;
            };
            match self.store.ticket(into).await? {
                Some(survivor) => ticket = survivor,
                None => break,
            }
        }
        Ok(match ticket.route_reply(&mail.from.email) {
            ReplyRoute::Reply => (Some(ticket.id), mail.reply(), MailOutcome::Replied),
            ReplyRoute::FollowUp => (
                None,
                TicketCommand::Open(ticket.follow_up(
                    mail.from.clone(),
                    &mail.new_subject(),
                    &mail.text,
                    Some(mail.message_id.clone()),
                )),
                MailOutcome::FollowUp,
            ),
            // A stranger, or a merge chain that ends nowhere known: a ticket of its own.
            ReplyRoute::Related | ReplyRoute::MergedInto(_) => {
                (None, mail.opening(Some(ticket.id)), MailOutcome::Related)
            }
        })
    }

    /// The ticket that took this mail already, if any.
    async fn taken(&self, mail: &InboundMail) -> Result<Option<Ticket>, AppError> {
        match self.store.ticket_for_mail(&mail.message_id).await? {
            Some(ticket) => Ok(self.store.ticket(ticket).await?),
            None => Ok(None),
        }
    }
}
