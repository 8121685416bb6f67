//! What the server answers with: each screen's snapshot, what a change did, API tokens. Plain
//! data, shared by the server functions, the `Backend` seam and the REST API.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{
    AppError, EventRecord, Incident, IncidentPage, IncidentQuery, Person, RevisedPolicy,
    RoleCatalog, Service, SlaPolicy, StatusCounts, User, Vocabulary,
};

/// The incidents list's first page for `query`, as of `server_time`, with the id of the last
/// event it includes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IncidentsSnapshot {
    /// What was asked (validated).
    pub query: IncidentQuery,
    pub page: IncidentPage,
    /// Every incident by status (not only the page's).
    pub counts: StatusCounts,
    pub viewer: User,
    pub server_time: DateTime<Utc>,
    /// Resume the live stream after this event id.
    pub last_event_id: i64,
    pub vocabulary: Vocabulary,
    /// The service catalog (to filter by service).
    pub services: Vec<Service>,
    /// What the SLA clocks count to.
    pub sla_policy: RevisedPolicy,
}

/// A further page of the incidents list (or the first for new filters), as of `server_time`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PageAt {
    pub page: IncidentPage,
    pub counts: StatusCounts,
    pub server_time: DateTime<Utc>,
    /// Events after this id may not be in the page yet: the stream brings them.
    pub last_event_id: i64,
}

/// A page of an incident's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TimelinePage {
    /// Newest first.
    pub events: Vec<EventRecord>,
    /// Pass as `before` for the next, older page; absent when this page reaches the declaration.
    pub next: Option<i64>,
}

/// Everything the incident room shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RoomSnapshot {
    pub incident: Incident,
    /// The latest page of the timeline (older ones are fetched as the reader scrolls).
    pub timeline: TimelinePage,
    /// The pinned entries older than that page, and the latest edits of those that are notes:
    /// key moments are at hand whatever their age.
    pub key_moments: Vec<EventRecord>,
    pub viewer: User,
    pub server_time: DateTime<Utc>,
    pub last_event_id: i64,
    pub vocabulary: Vocabulary,
    /// The revision of the vocabulary's role catalog (a newer one is fetched when announced).
    pub roles_revision: u64,
    /// The whole service catalog: the linked services' facts, and what can be linked.
    pub services: Vec<Service>,
    /// Who can be given a role.
    pub roster: Vec<Person>,
    /// What the SLA clocks count to.
    pub sla_policy: RevisedPolicy,
    /// The side sections the viewer has folded away (read from their cookie by `get_room`).
    #[serde(default)]
    pub folded: super::FoldedSections,
}

/// The service catalog screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ServicesSnapshot {
    pub services: Vec<Service>,
    pub viewer: User,
}

/// The role catalog's settings screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RolesSnapshot {
    pub catalog: RoleCatalog,
    /// Each save adds one.
    pub revision: u64,
    pub viewer: User,
}

/// The SLA policy's settings screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SlaSnapshot {
    pub policy: RevisedPolicy,
    pub viewer: User,
    /// The severities' labels.
    pub vocabulary: Vocabulary,
}

/// A saved SLA policy, and the incidents whose running clocks it moved (each has a timeline
/// entry saying how).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SlaPolicySaved {
    pub policy: SlaPolicy,
    /// The policy's revision now (send it back with the next edit).
    pub revision: u64,
    /// Ids of the incidents whose deadlines moved.
    pub moved: Vec<i64>,
}

/// What a command did: the incident after it, and the events it recorded (on this incident).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Acted {
    pub incident: Incident,
    pub events: Vec<EventRecord>,
}

impl Acted {
    /// What `execute` returned for a command on incident `id`: the events of that incident only
    /// (a merge also records one on its target).
    pub fn on(id: i64, (incident, events): (Incident, Vec<EventRecord>)) -> Self {
        let events = events.into_iter().filter(|e| e.incident_id == id).collect();
        Acted { incident, events }
    }
}

/// What a token may do: `read` (GET and HEAD only) or `write` (anything its owner may).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum TokenScope {
    Read,
    Write,
}

impl TokenScope {
    pub fn key(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
        }
    }

    pub fn parse(s: &str) -> Result<Self, AppError> {
        match s.trim() {
            "read" => Ok(TokenScope::Read),
            "write" => Ok(TokenScope::Write),
            other => Err(AppError::unprocessable(format!(
                "Scope must be \"read\" or \"write\" (it was \"{other}\")."
            ))),
        }
    }
}

/// An API token as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub scope: TokenScope,
    pub owner_id: i64,
    pub owner_name: String,
    pub created_at: DateTime<Utc>,
    /// Updated at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A token just created: the only time its secret is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    /// Send it as `Authorization: Bearer <token>`. It cannot be shown again.
    pub token: String,
    #[serde(flatten)]
    pub info: ApiToken,
}

/// The tokens screen: your tokens (everyone's for admins).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokensSnapshot {
    pub tokens: Vec<ApiToken>,
    pub viewer: User,
}
