//! The tickets' request bodies, and the one place each becomes a `TicketCommand`: every door
//! that receives a ticket's text (REST, the inbound-mail bridge, the screens' server functions)
//! builds its command here, so a priority or status is read from text one way.

use serde::{Deserialize, Deserializer};

use crate::domain::{
    AppError, Assignee, Channel, NewTicket, Priority, Requester, TicketCommand, TicketStatus,
    TicketUpdate,
};

/// A name the client sent (`urgent`, `on_hold`, ...), or 422 saying which ones there are.
fn parse<T>(parsed: Result<T, String>) -> Result<T, AppError> {
    parsed.map_err(AppError::unprocessable)
}

/// A field that may be absent (keep it), `null` (clear it) or a value.
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RequesterRequest {
    /// Up to 200 characters; the address when absent.
    #[serde(default)]
    pub name: String,
    pub email: String,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OpenTicketRequest {
    pub requester: RequesterRequest,
    /// Up to 200 characters.
    #[serde(default)]
    pub organisation: String,
    /// 1–200 characters.
    pub subject: String,
    /// Markdown, 1–20,000 characters.
    pub body: String,
    /// `urgent`, `high`, `normal` (the default) or `low`.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Priority>))]
    pub priority: Option<String>,
    /// Up to 20, each 1–40 letters, digits, `-`, `_` or `:`.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Other addresses on the conversation (up to 20).
    #[serde(default)]
    pub cc: Vec<String>,
}

impl OpenTicketRequest {
    /// The ticket, as it came in by `channel`.
    pub fn command(self, channel: Channel) -> Result<TicketCommand, AppError> {
        let priority = match self.priority.as_deref() {
            None => Priority::Normal,
            Some(p) => parse(Priority::parse(p))?,
        };
        Ok(TicketCommand::Open(NewTicket {
            requester: Requester {
                name: self.requester.name,
                email: self.requester.email,
            },
            organisation: self.organisation,
            subject: self.subject,
            body: self.body,
            channel,
            priority,
            tags: self.tags,
            cc: self.cc,
            message_id: None,
            follow_up_of: None,
            related_to: None,
        }))
    }
}

/// A triage change: each field left out stays as it is.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TicketPatchRequest {
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Priority>))]
    pub priority: Option<String>,
    /// `open`, `pending`, `on_hold` or `solved` (a ticket never returns to `new`; Sitrep closes
    /// solved tickets itself).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<TicketStatus>))]
    pub status: Option<String>,
    /// A person's id, or `null` to unassign.
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<i64>, nullable))]
    pub assignee_id: Option<Option<i64>>,
    /// Replaces the tags.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub add_tags: Vec<String>,
    #[serde(default)]
    pub remove_tags: Vec<String>,
    /// The ticket `version` you last saw (a stale one is refused with 409).
    #[serde(default)]
    pub expected_version: Option<i64>,
}

impl TicketPatchRequest {
    pub fn update(self) -> Result<TicketUpdate, AppError> {
        Ok(TicketUpdate {
            priority: self
                .priority
                .as_deref()
                .map(|p| parse(Priority::parse(p)))
                .transpose()?,
            status: self
                .status
                .as_deref()
                .map(|s| parse(TicketStatus::parse(s)))
                .transpose()?,
            assignee: self.assignee_id.map(|a| match a {
                Some(id) => Assignee::Person(id),
                None => Assignee::Nobody,
            }),
            tags: self.tags,
            add_tags: self.add_tags,
            remove_tags: self.remove_tags,
            expected_version: self.expected_version,
        })
    }

    pub fn command(self) -> Result<TicketCommand, AppError> {
        Ok(TicketCommand::Update(self.update()?))
    }
}

/// A mail as the inbound bridge hands it over (`POST /api/v1/inbound/email`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InboundEmailRequest {
    /// The sender's address (`Ada <ada@example.com>` is read as its address).
    #[serde(default)]
    pub from: String,
    /// The sender's display name.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub subject: String,
    /// The message, as plain text (Markdown).
    #[serde(default)]
    pub text: String,
    /// Its `Message-ID`: a mail delivered twice is taken once.
    #[serde(default)]
    pub message_id: Option<String>,
    /// The `In-Reply-To` header: the mail it answers.
    #[serde(default)]
    pub in_reply_to: Option<String>,
}

/// A mail, read: who sent it and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMail {
    pub from: Requester,
    pub subject: String,
    pub text: String,
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
}

/// What a subject-less mail is filed under.
pub const NO_SUBJECT: &str = "(no subject)";

impl InboundEmailRequest {
    pub fn mail(self) -> Result<InboundMail, AppError> {
        // `Ada <ada@example.com>`: the address between the brackets.
        let from = match (self.from.find('<'), self.from.rfind('>')) {
            (Some(open), Some(close)) if open < close => &self.from[open + 1..close],
            _ => self.from.as_str(),
        };
        if from.trim().is_empty() {
            return Err(AppError::unprocessable(
                "An inbound email needs its sender's address (`from`).",
            ));
        }
        let header =
            |value: Option<String>| value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let subject = self.subject.trim();
        Ok(InboundMail {
            from: Requester {
                name: self.name,
                email: from.to_owned(),
            },
            subject: if subject.is_empty() {
                NO_SUBJECT.to_owned()
            } else {
                subject.to_owned()
            },
            text: self.text,
            message_id: header(self.message_id),
            in_reply_to: header(self.in_reply_to),
        })
    }
}

impl InboundMail {
    /// The new ticket this mail opens (when it answers none, or one its sender is not on:
    /// `related_to`).
    pub fn opening(&self, related_to: Option<i64>) -> TicketCommand {
        TicketCommand::Open(NewTicket {
            requester: self.from.clone(),
            organisation: String::new(),
            subject: self.subject.clone(),
            body: self.text.clone(),
            channel: Channel::Email,
            priority: Priority::Normal,
            tags: Vec::new(),
            cc: Vec::new(),
            message_id: self.message_id.clone(),
            follow_up_of: None,
            related_to,
        })
    }

    /// This mail as a reply on the ticket it answers.
    pub fn reply(&self) -> TicketCommand {
        TicketCommand::RequesterReply {
            from: self.from.email.clone(),
            body: self.text.clone(),
            message_id: self.message_id.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_assignee_left_out_is_kept_and_null_unassigns() {
        let read = |json: &str| -> TicketPatchRequest { serde_json::from_str(json).unwrap() };
        assert_eq!(read("{}").update().unwrap().assignee, None);
        assert_eq!(
            read(r#"{"assignee_id": null}"#).update().unwrap().assignee,
            Some(Assignee::Nobody)
        );
        assert_eq!(
            read(r#"{"assignee_id": 4}"#).update().unwrap().assignee,
            Some(Assignee::Person(4))
        );
        let err = read(r#"{"status": "closedd"}"#).update().unwrap_err();
        assert!(
            err.message
                .contains("open, pending, on_hold, solved, closed"),
            "{}",
            err.message
        );
    }

    #[test]
    fn an_inbound_mail_is_read_as_its_address_and_a_subject() {
        let read = |json: &str| -> Result<InboundMail, AppError> {
            serde_json::from_str::<InboundEmailRequest>(json)
                .unwrap()
                .mail()
        };
        let mail =
            read(r#"{"from": "Ada <Ada@Example.com>", "text": "Hi", "message_id": " "}"#).unwrap();
        assert_eq!(mail.from.email, "Ada@Example.com");
        assert_eq!(mail.subject, NO_SUBJECT);
        assert_eq!(mail.message_id, None);
        for no_sender in [r#"{"text": "Hi"}"#, r#"{"from": " <> ", "text": "Hi"}"#] {
            let err = read(no_sender).unwrap_err();
            assert!(err.message.contains("sender"), "{}", err.message);
        }
    }
}
