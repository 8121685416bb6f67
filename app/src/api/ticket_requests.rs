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
}
