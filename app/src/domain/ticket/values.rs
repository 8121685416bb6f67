//! The closed sets a ticket's fields draw from (Zendesk's, which support teams know): priority,
//! status and where a status may go, the channel it came in by; and the form of a tag.

use serde::{Deserialize, Serialize};

use crate::domain::error::DomainError;
use crate::domain::keys::parse_key;

/// How soon the requester needs an answer; the SLA targets are set per priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Urgent,
    High,
    Normal,
    Low,
}

impl Priority {
    pub const ALL: [Priority; 4] = [
        Priority::Urgent,
        Priority::High,
        Priority::Normal,
        Priority::Low,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Priority::Urgent => "urgent",
            Priority::High => "high",
            Priority::Normal => "normal",
            Priority::Low => "low",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Priority::Urgent => "Urgent",
            Priority::High => "High",
            Priority::Normal => "Normal",
            Priority::Low => "Low",
        }
    }

    pub fn parse(input: &str) -> Result<Priority, String> {
        parse_key(input, "priority", &Priority::ALL, Priority::key)
    }
}

/// Where a ticket is. New until someone works on it; it never returns there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    New,
    Open,
    /// Waiting on the requester: the SLA clocks pause.
    Pending,
    /// Waiting on a third party: the SLA clocks pause.
    OnHold,
    Solved,
    /// Final: takes no changes; a reply opens a follow-up ticket.
    Closed,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 6] = [
        TicketStatus::New,
        TicketStatus::Open,
        TicketStatus::Pending,
        TicketStatus::OnHold,
        TicketStatus::Solved,
        TicketStatus::Closed,
    ];

    pub fn key(self) -> &'static str {
        match self {
            TicketStatus::New => "new",
            TicketStatus::Open => "open",
            TicketStatus::Pending => "pending",
            TicketStatus::OnHold => "on_hold",
            TicketStatus::Solved => "solved",
            TicketStatus::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TicketStatus::New => "New",
            TicketStatus::Open => "Open",
            TicketStatus::Pending => "Pending",
            TicketStatus::OnHold => "On-hold",
            TicketStatus::Solved => "Solved",
            TicketStatus::Closed => "Closed",
        }
    }

    pub fn parse(input: &str) -> Result<TicketStatus, String> {
        parse_key(
            input,
            "ticket status",
            &TicketStatus::ALL,
            TicketStatus::key,
        )
    }

    /// Solved or Closed: nothing more is owed to the requester.
    pub fn is_solved(self) -> bool {
        matches!(self, TicketStatus::Solved | TicketStatus::Closed)
    }

    /// Waiting on someone else: the SLA clocks do not run.
    pub fn is_paused(self) -> bool {
        matches!(self, TicketStatus::Pending | TicketStatus::OnHold)
    }

    /// A requester's reply to a ticket in this status reopens it.
    pub fn reopens_on_reply(self) -> bool {
        matches!(
            self,
            TicketStatus::Pending | TicketStatus::OnHold | TicketStatus::Solved
        )
    }

    /// The statuses a person may set from this one (Closed is Sitrep's to set, days after
    /// Solved; New is never set again).
    pub fn settable_from(self) -> &'static [TicketStatus] {
        match self {
            TicketStatus::Closed => &[],
            _ => &[
                TicketStatus::Open,
                TicketStatus::Pending,
                TicketStatus::OnHold,
                TicketStatus::Solved,
            ],
        }
    }
}

/// How the ticket came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Web,
    Api,
    Email,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Web, Channel::Api, Channel::Email];

    pub fn key(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Api => "api",
            Channel::Email => "email",
        }
    }

    pub fn parse(input: &str) -> Result<Channel, String> {
        parse_key(input, "channel", &Channel::ALL, Channel::key)
    }
}

/// Longest tag, in characters.
pub const TAG_MAX_CHARS: usize = 40;
/// Most tags on one ticket.
pub const TAGS_MAX: usize = 20;

/// A tag as it is kept: lower case; letters, digits, `-`, `_` and `:` (Zendesk's tags have no
/// spaces either, so a tag reads the same in a filter and in an address).
pub fn normalize_tag(input: &str) -> Result<String, DomainError> {
    let tag = input.trim().to_lowercase();
    let fits = !tag.is_empty()
        && tag.chars().count() <= TAG_MAX_CHARS
        && tag
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ':'));
    if fits {
        Ok(tag)
    } else {
        Err(DomainError::Invalid(format!(
            "\"{}\" is not a tag: a tag is 1–{TAG_MAX_CHARS} letters, digits, '-', '_' or ':', \
             with no spaces (such as \"billing\" or \"eu-west\").",
            input.trim()
        )))
    }
}

/// Tags as they are kept: each normalised, duplicates dropped, in the order given; at most
/// [`TAGS_MAX`].
pub fn normalize_tags(input: &[String]) -> Result<Vec<String>, DomainError> {
    let mut tags: Vec<String> = Vec::new();
    for raw in input {
        let tag = normalize_tag(raw)?;
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if tags.len() > TAGS_MAX {
        return Err(DomainError::Invalid(format!(
            "A ticket has at most {TAGS_MAX} tags: this would give it {}.",
            tags.len()
        )));
    }
    Ok(tags)
}

/// How a ticket is named to people: `T-123`, as in a mail's subject tag `[#T-123]`.
pub fn ticket_reference(id: i64) -> String {
    format!("T-{id}")
}

/// The ticket a mail's subject names with a `[#T-123]` tag, if any: the last one (a reply's
/// subject keeps the tags of the threads it came through; Sitrep's own goes at the end).
pub fn referenced_ticket(subject: &str) -> Option<i64> {
    subject.rmatch_indices("[#T-").find_map(|(at, tag)| {
        let rest = &subject[at + tag.len()..];
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let (number, after) = rest.split_at(digits);
        let plain = !number.is_empty() && !number.starts_with('0');
        (plain && after.starts_with(']'))
            .then(|| number.parse().ok())
            .flatten()
    })
}

/// A subject without its `[#T-123]` tags (for a new ticket opened from a mail that carried
/// another ticket's: that ticket is not this one's).
pub fn without_ticket_tags(subject: &str) -> String {
    let mut out = String::with_capacity(subject.len());
    let mut rest = subject;
    while let Some(at) = rest.find("[#T-") {
        let after = &rest[at + 4..];
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        out.push_str(&rest[..at]);
        if digits > 0 && after[digits..].starts_with(']') {
            rest = &after[digits + 1..];
        } else {
            out.push_str("[#T-");
            rest = after;
        }
    }
    out.push_str(rest);
    let words: Vec<&str> = out.split_whitespace().collect();
    words.join(" ")
}

/// A `Message-ID` (or `In-Reply-To`) as it is kept and compared: without the angle brackets
/// and the space around it. RFC 5322's ids are printable ASCII without spaces: anything else is
/// no message id.
pub fn normalize_message_id(raw: &str) -> Option<String> {
    let id = raw
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    let plain = !id.is_empty()
        && id.len() <= MESSAGE_ID_MAX
        && id
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>');
    plain.then(|| id.to_owned())
}

/// Longest message id kept, in bytes (a mail header line's limit).
pub const MESSAGE_ID_MAX: usize = 998;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_unknown_ones_are_named() {
        for p in Priority::ALL {
            assert_eq!(Priority::parse(p.key()), Ok(p));
        }
        for s in TicketStatus::ALL {
            assert_eq!(TicketStatus::parse(&s.key().to_uppercase()), Ok(s));
        }
        let err = Priority::parse("asap").unwrap_err();
        assert!(err.contains("urgent, high, normal, low"), "{err}");
    }

    #[test]
    fn no_status_leads_back_to_new_and_closed_leads_nowhere() {
        for s in TicketStatus::ALL {
            assert!(!s.settable_from().contains(&TicketStatus::New), "{s:?}");
            assert!(!s.settable_from().contains(&TicketStatus::Closed), "{s:?}");
        }
        assert!(TicketStatus::Closed.settable_from().is_empty());
    }

    #[test]
    fn tags_are_lower_case_words_without_spaces() {
        assert_eq!(normalize_tag(" Billing "), Ok("billing".into()));
        assert_eq!(normalize_tag("eu-west:2"), Ok("eu-west:2".into()));
        for bad in [
            "",
            "two words",
            "semi;colon",
            &"x".repeat(TAG_MAX_CHARS + 1),
        ] {
            assert!(normalize_tag(bad).is_err(), "{bad:?}");
        }
        let tags = normalize_tags(&["A".into(), "a".into(), "b".into()]).unwrap();
        assert_eq!(tags, vec!["a", "b"]);
        let many: Vec<String> = (0..=TAGS_MAX).map(|i| format!("t{i}")).collect();
        assert!(normalize_tags(&many).is_err());
    }

    #[test]
    fn a_subject_tag_names_its_ticket() {
        assert_eq!(referenced_ticket("Re: Login fails [#T-123]"), Some(123));
        assert_eq!(referenced_ticket("[#T-7] again"), Some(7));
        assert_eq!(referenced_ticket("ü Fwd: [#T-x] [#T-12 [#T-13]"), Some(13));
        assert_eq!(referenced_ticket("Re: [#T-4] Fwd: [#T-9]"), Some(9));
        assert_eq!(
            without_ticket_tags("Re: Checkout [#T-4] fails [#T-x]"),
            "Re: Checkout fails [#T-x]"
        );
        assert_eq!(
            normalize_message_id(" <m1@acme.example> "),
            Some("m1@acme.example".into())
        );
        for bad in ["", "<>", "a b@c", "ü@x", &"x".repeat(999)] {
            assert_eq!(normalize_message_id(bad), None, "{bad:?}");
        }
        for none in [
            "Re: T-123",
            "[#T-]",
            "[#T-abc]",
            "[#T-0]",
            "[#T-12",
            "[#T-+5]",
            "[#T-007]",
        ] {
            assert_eq!(referenced_ticket(none), None, "{none}");
        }
    }
}
