//! The tickets' request bodies, and the one place each becomes a `TicketCommand`: every door
//! that receives a ticket's text (REST, the inbound-mail bridge, the screens' server functions)
//! builds its command here, so a priority or status is read from text one way.

use serde::{Deserialize, Deserializer};

use super::requests::parse;

use crate::domain::{
    normalize_message_id, without_ticket_tags, AppError, Assignee, Channel, NewTicket, Priority,
    Requester, TicketCommand, TicketStatus, TicketUpdate,
};

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

/// The same triage change on many tickets (`POST /api/v1/tickets/bulk`), all or nothing.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BulkTicketsRequest {
    /// 1–200 ticket ids.
    pub ids: Vec<i64>,
    /// The change, as `PATCH /api/v1/tickets/{id}` takes it, without `expected_version`.
    pub set: TicketPatchRequest,
}

impl BulkTicketsRequest {
    pub fn update(self) -> Result<(Vec<i64>, TicketUpdate), AppError> {
        if self.set.expected_version.is_some() {
            return Err(AppError::unprocessable(
                "`expected_version` is one ticket's: leave it out of a bulk change.",
            ));
        }
        Ok((self.ids, self.set.update()?))
    }
}

/// This ticket duplicates `into` (`POST /api/v1/tickets/{id}/merge`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MergeTicketRequest {
    /// The ticket that carries on.
    pub into: i64,
    /// The duplicate's `version` you last saw.
    #[serde(default)]
    pub expected_version: Option<i64>,
}

impl MergeTicketRequest {
    pub fn command(self) -> TicketCommand {
        TicketCommand::MergeInto {
            target_id: self.into,
            expected_version: self.expected_version,
        }
    }
}

/// A mail as the inbound bridge hands it over (`POST /api/v1/inbound/email`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InboundEmailRequest {
    /// The sender's address (`Ada <ada@example.com>` is read as its address and name).
    #[serde(default)]
    pub from: String,
    /// The sender's display name (else the one in `from`).
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub subject: String,
    /// The message, as plain text (Markdown).
    #[serde(default)]
    pub text: String,
    /// Its `Message-ID` (required): a mail delivered twice is taken once.
    #[serde(default)]
    pub message_id: Option<String>,
    /// The `In-Reply-To` header: the mail it answers.
    #[serde(default)]
    pub in_reply_to: Option<String>,
    /// The other addresses it was sent to (copied on a ticket it opens).
    #[serde(default)]
    pub cc: Vec<String>,
}

/// A mail, read: who sent it and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMail {
    pub from: Requester,
    /// As sent: its `[#T-123]` tag names the ticket it answers.
    pub subject: String,
    pub text: String,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub cc: Vec<String>,
}

/// What a subject-less mail is filed under.
pub const NO_SUBJECT: &str = "(no subject)";

/// An address as mail headers write it — `Ada <ada@example.com>`, `ada@example.com (Ada)` or
/// bare — as the address and the display name.
fn address(raw: &str) -> (String, String) {
    let raw = raw.trim();
    if let (Some(open), Some(close)) = (raw.rfind('<'), raw.rfind('>')) {
        if open < close {
            let name = raw[..open].trim().trim_matches('"').trim();
            return (raw[open + 1..close].trim().to_owned(), name.to_owned());
        }
    }
    if let (Some(open), true) = (raw.find('('), raw.ends_with(')')) {
        let name = raw[open + 1..raw.len() - 1].trim();
        return (raw[..open].trim().to_owned(), name.to_owned());
    }
    (raw.to_owned(), String::new())
}

impl InboundEmailRequest {
    pub fn mail(self) -> Result<InboundMail, AppError> {
        let (from, display) = address(&self.from);
        if from.is_empty() {
            return Err(AppError::unprocessable(
                "An inbound email needs its sender's address (`from`).",
            ));
        }
        let message_id =
            match self.message_id.as_deref().map(str::trim) {
                None | Some("") => return Err(AppError::unprocessable(
                    "An inbound email needs its Message-ID (`message_id`): a mail delivered twice \
                     must be taken once.",
                )),
                Some(raw) => normalize_message_id(raw).ok_or_else(|| {
                    AppError::unprocessable(
                    "The `message_id` is not a message id: up to 998 printable ASCII characters \
                     without spaces, such as <1234@mail.example.com>.",
                )
                })?,
            };
        let name = if self.name.trim().is_empty() {
            display
        } else {
            self.name
        };
        let subject = self.subject.trim();
        Ok(InboundMail {
            from: Requester { name, email: from },
            subject: if subject.is_empty() {
                NO_SUBJECT.to_owned()
            } else {
                subject.to_owned()
            },
            text: self.text,
            message_id,
            // An In-Reply-To that is no message id answers nothing.
            in_reply_to: self.in_reply_to.as_deref().and_then(normalize_message_id),
            cc: self.cc.iter().map(|raw| address(raw).0).collect(),
        })
    }
}

impl InboundMail {
    /// The subject of a ticket this mail opens: without another ticket's `[#T-123]` tag.
    pub fn new_subject(&self) -> String {
        let subject = without_ticket_tags(&self.subject);
        if subject.is_empty() {
            NO_SUBJECT.to_owned()
        } else {
            subject
        }
    }

    /// The new ticket this mail opens (when it answers none, or one its sender is not on:
    /// `related_to`).
    pub fn opening(&self, related_to: Option<i64>) -> TicketCommand {
        TicketCommand::Open(NewTicket {
            requester: self.from.clone(),
            organisation: String::new(),
            subject: self.new_subject(),
            body: self.text.clone(),
            channel: Channel::Email,
            priority: Priority::Normal,
            tags: Vec::new(),
            cc: self.cc.clone(),
            message_id: Some(self.message_id.clone()),
            follow_up_of: None,
            related_to,
        })
    }

    /// This mail as a reply on the ticket it answers.
    pub fn reply(&self) -> TicketCommand {
        TicketCommand::RequesterReply {
            from: self.from.email.clone(),
            body: self.text.clone(),
            message_id: Some(self.message_id.clone()),
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
        let mail = read(
            r#"{"from": "\"Ada C\" <Ada@Example.com>", "text": "Hi", "message_id": " <m@x> ",
                "in_reply_to": "not an id", "cc": ["Bob <bob@example.com>"]}"#,
        )
        .unwrap();
        assert_eq!(mail.from.email, "Ada@Example.com");
        assert_eq!(mail.from.name, "Ada C");
        assert_eq!(mail.subject, NO_SUBJECT);
        assert_eq!(mail.message_id, "m@x");
        assert_eq!(mail.in_reply_to, None);
        assert_eq!(mail.cc, vec!["bob@example.com"]);
        let comment = read(r#"{"from": "ada@example.com (Ada)", "message_id": "m"}"#).unwrap();
        assert_eq!(comment.from.email, "ada@example.com");
        assert_eq!(comment.from.name, "Ada");
        let err = read(r#"{"from": "ada@example.com", "text": "Hi"}"#).unwrap_err();
        assert!(
            err.message.contains("needs its Message-ID"),
            "{}",
            err.message
        );
        for no_sender in [
            r#"{"text": "Hi", "message_id": "m"}"#,
            r#"{"from": " <> ", "text": "Hi", "message_id": "m"}"#,
        ] {
            let err = read(no_sender).unwrap_err();
            assert!(err.message.contains("sender"), "{}", err.message);
        }
        let tagged =
            read(r#"{"from": "a@b.co", "subject": "Re: [#T-4] down", "message_id": "m"}"#).unwrap();
        assert_eq!(tagged.new_subject(), "Re: down");
    }
}
