//! The live protocol, the one definition both ends use: the topics a stream follows
//! (`GET /api/v1/stream?topics=…`), the names of the frames that are not events, and the keys of
//! the settings those frames announce. Pure: no I/O, nothing browser- or server-only, so it
//! compiles for `ssr` and `hydrate` alike.
//!
//! Events travel as frames named by their kind (`EventPayload::KINDS`); everything else the
//! stream sends is a [`FrameName`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a stream follows. Written `incidents`, `incident:<id>`, `tickets` or `ticket:<id>` on
/// the wire; an aggregate with
/// its own stream adds a variant here, its form to [`Topic::FORMS`], and an arm to `FromStr`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Topic {
    /// Every change to what the incidents list shows.
    Incidents,
    /// Everything that happens to one incident (and being present in its room).
    Incident(i64),
    /// Every change to any ticket (the queue).
    Tickets,
    /// Everything that happens to one ticket.
    Ticket(i64),
}

impl Topic {
    /// The forms a topic takes, one per variant: what an error message offers instead.
    pub const FORMS: [&'static str; 4] = ["incidents", "incident:<id>", "tickets", "ticket:<id>"];
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Topic::Incidents => f.write_str("incidents"),
            Topic::Incident(id) => write!(f, "incident:{id}"),
            Topic::Tickets => f.write_str("tickets"),
            Topic::Ticket(id) => write!(f, "ticket:{id}"),
        }
    }
}

impl FromStr for Topic {
    type Err = TopicError;

    fn from_str(topic: &str) -> Result<Topic, TopicError> {
        let unknown = || TopicError::Unknown(topic.to_owned());
        match topic.split_once(':') {
            None => match topic {
                "incidents" => Ok(Topic::Incidents),
                "tickets" => Ok(Topic::Tickets),
                _ => Err(unknown()),
            },
            Some(("incident", id)) => id_of(topic, "incident", id).map(Topic::Incident),
            Some(("ticket", id)) => id_of(topic, "ticket", id).map(Topic::Ticket),
            Some(_) => Err(unknown()),
        }
    }
}

/// The id in `<kind>:<id>`.
fn id_of(topic: &str, kind: &'static str, id: &str) -> Result<i64, TopicError> {
    id.parse().map_err(|_| TopicError::BadId {
        topic: topic.to_owned(),
        kind,
    })
}

/// The topics of one stream, as `?topics=` carries them: comma-separated, spaces around a topic
/// and empty entries ignored, at least one topic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicList(Vec<Topic>);

impl TopicList {
    pub fn iter(&self) -> std::slice::Iter<'_, Topic> {
        self.0.iter()
    }
}

impl From<Vec<Topic>> for TopicList {
    fn from(topics: Vec<Topic>) -> TopicList {
        TopicList(topics)
    }
}

impl<'a> IntoIterator for &'a TopicList {
    type Item = &'a Topic;
    type IntoIter = std::slice::Iter<'a, Topic>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl fmt::Display for TopicList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, topic) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{topic}")?;
        }
        Ok(())
    }
}

impl FromStr for TopicList {
    type Err = TopicError;

    fn from_str(raw: &str) -> Result<TopicList, TopicError> {
        let topics = raw
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::parse)
            .collect::<Result<Vec<Topic>, _>>()?;
        if topics.is_empty() {
            return Err(TopicError::Empty);
        }
        Ok(TopicList(topics))
    }
}

/// Why a `topics=` value is refused. The messages are what the API answers (a 400 problem).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TopicError {
    /// Not a topic at all.
    Unknown(String),
    /// A `<kind>:<id>` topic whose id is not a number.
    BadId { topic: String, kind: &'static str },
    /// No topic named.
    Empty,
}

impl fmt::Display for TopicError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TopicError::Unknown(topic) => write!(
                f,
                "Unknown topic \"{topic}\": use {}.",
                alternatives(|form| format!("\"{form}\""))
            ),
            TopicError::BadId { topic, kind } => write!(
                f,
                "Invalid topic \"{topic}\": the {kind} id must be a number."
            ),
            TopicError::Empty => write!(
                f,
                "Name at least one topic: {}.",
                alternatives(|form| format!("?topics={form}"))
            ),
        }
    }
}

impl std::error::Error for TopicError {}

/// Every topic form, written by `each`, as "a, b or c".
fn alternatives(each: impl Fn(&str) -> String) -> String {
    let forms: Vec<String> = Topic::FORMS.iter().map(|form| each(form)).collect();
    match forms.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The frames a stream sends besides events (which are named by their kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrameName {
    /// Who has a room open now (`data:` a `Presence`), to streams following `incident:<id>`.
    Presence,
    /// A setting is at a revision (`data:` `{key, revision, server_time}`), to every stream: on
    /// connecting and whenever an admin changes it.
    Settings,
    /// The stream missed events: the client refetches its snapshot (`data:` `{}`).
    Resync,
    /// Something happened to a ticket (`data:` a `LiveTicketEvent`), to streams following
    /// `tickets` or `ticket:<id>`. One name for every kind (the kind is the payload's `type`):
    /// incidents' kinds are the `event:` names, and some are spelled the same.
    Ticket,
}

impl FrameName {
    pub const ALL: [FrameName; 4] = [
        FrameName::Presence,
        FrameName::Settings,
        FrameName::Resync,
        FrameName::Ticket,
    ];

    /// The `event:` line's value.
    pub const fn as_str(self) -> &'static str {
        match self {
            FrameName::Presence => "presence",
            FrameName::Settings => "settings",
            FrameName::Resync => "resync",
            FrameName::Ticket => "ticket",
        }
    }
}

impl fmt::Display for FrameName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A setting an admin edits: its key in the store and in `settings` frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingKey {
    /// The incident SLA policy.
    SlaPolicy,
    /// The role catalog.
    RoleCatalog,
}

impl SettingKey {
    pub const ALL: [SettingKey; 2] = [SettingKey::SlaPolicy, SettingKey::RoleCatalog];

    pub const fn as_str(self) -> &'static str {
        match self {
            SettingKey::SlaPolicy => "sla_policy",
            SettingKey::RoleCatalog => "role_catalog",
        }
    }
}

impl fmt::Display for SettingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A key that names no setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownSetting(pub String);

impl fmt::Display for UnknownSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Unknown setting \"{}\".", self.0)
    }
}

impl std::error::Error for UnknownSetting {}

impl FromStr for SettingKey {
    type Err = UnknownSetting;

    fn from_str(key: &str) -> Result<SettingKey, UnknownSetting> {
        SettingKey::ALL
            .into_iter()
            .find(|k| k.as_str() == key)
            .ok_or_else(|| UnknownSetting(key.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EventPayload;

    #[test]
    fn topics_round_trip() {
        for topic in [Topic::Incidents, Topic::Incident(4), Topic::Incident(-1)] {
            assert_eq!(topic.to_string().parse::<Topic>(), Ok(topic));
        }
        assert_eq!(Topic::Incident(42).to_string(), "incident:42");
        let list = TopicList::from(vec![Topic::Incidents, Topic::Incident(7)]);
        assert_eq!(list.to_string(), "incidents,incident:7");
        assert_eq!(list.to_string().parse::<TopicList>(), Ok(list));
    }

    #[test]
    fn every_form_parses() {
        for form in Topic::FORMS {
            let example = form.replace("<id>", "1");
            let topic: Topic = example.parse().unwrap();
            assert_eq!(topic.to_string(), example);
        }
    }

    #[test]
    fn a_list_ignores_spaces_and_empty_entries() {
        let list: TopicList = " incidents , ,incident:4,".parse().unwrap();
        assert_eq!(
            list.iter().copied().collect::<Vec<_>>(),
            [Topic::Incidents, Topic::Incident(4)]
        );
    }

    #[test]
    fn bad_topics_are_refused_with_what_to_use() {
        let err = "weather".parse::<Topic>().unwrap_err();
        assert_eq!(err, TopicError::Unknown("weather".into()));
        assert_eq!(
            err.to_string(),
            "Unknown topic \"weather\": use \"incidents\", \"incident:<id>\", \"tickets\" or \
             \"ticket:<id>\"."
        );
        for unknown in [
            "incidents:3",
            "incident",
            "Incidents",
            "tickets:1",
            "ticket",
            ":4",
        ] {
            assert_eq!(
                unknown.parse::<Topic>(),
                Err(TopicError::Unknown(unknown.into())),
                "{unknown}"
            );
        }
        for bad_id in ["incident:x", "incident:", "incident: 4", "incident:4:5"] {
            let err = bad_id.parse::<Topic>().unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("Invalid topic \"{bad_id}\": the incident id must be a number.")
            );
        }
        // One bad topic refuses the list.
        assert_eq!(
            "incidents,weather".parse::<TopicList>(),
            Err(TopicError::Unknown("weather".into()))
        );
    }

    #[test]
    fn a_list_names_at_least_one_topic() {
        for empty in ["", " ", ",", " , "] {
            let err = empty.parse::<TopicList>().unwrap_err();
            assert_eq!(err, TopicError::Empty);
            assert_eq!(
                err.to_string(),
                "Name at least one topic: ?topics=incidents, ?topics=incident:<id>, \
                 ?topics=tickets or ?topics=ticket:<id>."
            );
        }
    }

    #[test]
    fn setting_keys_round_trip_and_serialize_as_their_name() {
        for key in SettingKey::ALL {
            assert_eq!(key.as_str().parse::<SettingKey>(), Ok(key));
            assert_eq!(
                serde_json::to_string(&key).unwrap(),
                format!("\"{}\"", key.as_str())
            );
        }
        assert_eq!(SettingKey::SlaPolicy.as_str(), "sla_policy");
        assert_eq!(SettingKey::RoleCatalog.as_str(), "role_catalog");
        assert!("weather".parse::<SettingKey>().is_err());
    }

    #[test]
    fn frame_names_are_not_event_kinds() {
        // The browser listens by name: an event kind called `settings` would be read as one.
        for name in FrameName::ALL {
            assert!(
                !EventPayload::KINDS.contains(&name.as_str()),
                "{name} is an event kind"
            );
        }
        assert_eq!(
            FrameName::ALL.map(FrameName::as_str),
            ["presence", "settings", "resync", "ticket"]
        );
    }
}
