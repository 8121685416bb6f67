//! What a client asks for, as the REST API's JSON bodies, and the one place each becomes a
//! domain `Command`: the REST handlers and the server functions both build commands here, so a
//! severity, status or visibility is read from text in one way whichever door it comes in by.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{
    Affected, AppError, Command, Cursor, Declaration, ImpactCommand, IncidentQuery,
    LifecycleCommand, Milestone, RoleCommand, Severity, Sort, Status, StatusFilter,
    TimelineCommand, Visibility, PAGE_DEFAULT,
};

/// A name the client sent (`sev2`, `resolved`, `public`, ...), or 422 saying which ones there are.
pub(crate) fn parse<T>(parsed: Result<T, String>) -> Result<T, AppError> {
    parsed.map_err(AppError::unprocessable)
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeclareRequest {
    /// 1–200 characters.
    pub title: String,
    /// `sev1` (critical) … `sev4` (low).
    #[cfg_attr(feature = "ssr", schema(value_type = Severity))]
    pub severity: String,
    /// Up to 10,000 characters.
    #[serde(default)]
    pub summary: String,
}

impl DeclareRequest {
    pub fn command(self) -> Result<Command, AppError> {
        Ok(Command::Declare(Declaration {
            title: self.title,
            severity: parse(Severity::parse(&self.severity))?,
            summary: self.summary,
        }))
    }
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NoteRequest {
    /// Markdown, 1–20,000 characters.
    pub body: String,
}

impl NoteRequest {
    pub fn command(self) -> Command {
        TimelineCommand::PostNote { body: self.body }.into()
    }
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StatusRequest {
    /// One of the statuses the incident may move to from its current one.
    #[cfg_attr(feature = "ssr", schema(value_type = Status))]
    pub status: String,
    /// The incident `version` you last saw.
    pub expected_version: i64,
}

impl StatusRequest {
    pub fn command(self) -> Result<Command, AppError> {
        Ok(LifecycleCommand::ChangeStatus {
            status: parse(Status::parse(&self.status))?,
            expected_version: self.expected_version,
        }
        .into())
    }
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SeverityRequest {
    /// `sev1` … `sev4`.
    #[cfg_attr(feature = "ssr", schema(value_type = Severity))]
    pub severity: String,
    /// Why, 1–500 characters; shown on the timeline.
    pub reason: String,
    pub expected_version: i64,
}

impl SeverityRequest {
    pub fn command(self) -> Result<Command, AppError> {
        Ok(LifecycleCommand::ChangeSeverity {
            severity: parse(Severity::parse(&self.severity))?,
            reason: self.reason,
            expected_version: self.expected_version,
        }
        .into())
    }
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImpactRequest {
    /// What customers see, up to 2,000 characters.
    #[serde(default)]
    pub customer_impact: String,
    /// `unknown`, `few`, `some` or `all`.
    #[cfg_attr(feature = "ssr", schema(value_type = Affected))]
    pub affected: String,
    pub expected_version: i64,
}

impl ImpactRequest {
    pub fn command(self) -> Result<Command, AppError> {
        Ok(ImpactCommand::Update {
            customer_impact: self.customer_impact,
            affected: parse(Affected::parse(&self.affected))?,
            expected_version: self.expected_version,
        }
        .into())
    }
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LinkServiceRequest {
    pub service_id: i64,
}

impl LinkServiceRequest {
    pub fn command(self) -> Command {
        ImpactCommand::LinkService {
            service_id: self.service_id,
        }
        .into()
    }
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TimestampRequest {
    /// RFC 3339, not in the future.
    pub at: DateTime<Utc>,
    /// Why, 1–500 characters.
    pub reason: String,
    pub expected_version: i64,
}

impl TimestampRequest {
    /// Sets `milestone` (the REST API names it in the path).
    pub fn command(self, milestone: &str) -> Result<Command, AppError> {
        Ok(LifecycleCommand::SetTimestamp {
            milestone: parse(Milestone::parse(milestone))?,
            at: self.at,
            reason: self.reason,
            expected_version: self.expected_version,
        }
        .into())
    }
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UpdateRequest {
    /// `internal` or `public`.
    #[cfg_attr(feature = "ssr", schema(value_type = Visibility))]
    pub visibility: String,
    /// Markdown, 1–5,000 characters.
    pub body: String,
}

impl UpdateRequest {
    pub fn command(self) -> Result<Command, AppError> {
        Ok(TimelineCommand::PublishUpdate {
            visibility: parse(Visibility::parse(&self.visibility))?,
            body: self.body,
        }
        .into())
    }
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EditNoteRequest {
    /// Markdown, 1–20,000 characters.
    pub body: String,
}

impl EditNoteRequest {
    /// Edits the note recorded as event `event_id`.
    pub fn command(self, event_id: i64) -> Command {
        TimelineCommand::EditNote {
            event_id,
            body: self.body,
        }
        .into()
    }
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MergeRequest {
    /// The incident this one duplicates.
    pub target_id: i64,
    pub expected_version: i64,
}

impl MergeRequest {
    pub fn command(self) -> Command {
        LifecycleCommand::MergeInto {
            target_id: self.target_id,
            expected_version: self.expected_version,
        }
        .into()
    }
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AssignRequest {
    /// A role key, such as `incident_commander` or `tech_lead`.
    pub role: String,
    /// A user id.
    pub person: i64,
    /// The board's version you saw.
    pub expected_version: i64,
}

impl AssignRequest {
    pub fn assign(self) -> Command {
        RoleCommand::Assign {
            role: self.role,
            person_id: self.person,
            expected_version: self.expected_version,
        }
        .into()
    }

    pub fn relieve(self) -> Command {
        RoleCommand::Relieve {
            role: self.role,
            person_id: self.person,
            expected_version: self.expected_version,
        }
        .into()
    }
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MoveRequest {
    /// A user id holding `from`.
    pub person: i64,
    pub from: String,
    pub to: String,
    pub expected_version: i64,
}

impl MoveRequest {
    pub fn command(self) -> Command {
        RoleCommand::Move {
            person_id: self.person,
            from: self.from,
            to: self.to,
            expected_version: self.expected_version,
        }
        .into()
    }
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SwapRequest {
    /// Two single-holder roles, both held: their holders exchange them.
    pub first_role: String,
    pub second_role: String,
    pub expected_version: i64,
}

impl SwapRequest {
    pub fn command(self) -> Command {
        RoleCommand::Swap {
            first_role: self.first_role,
            second_role: self.second_role,
            expected_version: self.expected_version,
        }
        .into()
    }
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TickRequest {
    pub role: String,
    /// The checklist item's text.
    pub item: String,
    /// Ticked (true) or not.
    pub done: bool,
}

impl TickRequest {
    pub fn command(self) -> Command {
        RoleCommand::TickChecklist {
            role: self.role,
            item: self.item,
            done: self.done,
        }
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_address_reads_back_as_the_same_query() {
        let query = ListRequest::parse(
            "?status=all&severity=sev1&mine=true&q=Check+out%26&sort=longest&limit=5",
        )
        .and_then(ListRequest::query)
        .unwrap();
        assert_eq!(query.search, "Check out&");
        assert_eq!(query.sort, Sort::Oldest);
        let address = ListRequest::of(&query).to_query_string();
        assert_eq!(
            address,
            "status=all&severity=sev1&mine=true&q=Check+out%26&sort=oldest&limit=5"
        );
        assert_eq!(
            ListRequest::parse(&address)
                .and_then(ListRequest::query)
                .unwrap(),
            query
        );
        // The default list is plain `/incidents`; what no page can answer is a 400.
        let default = ListRequest::parse("").and_then(ListRequest::query).unwrap();
        assert_eq!(ListRequest::of(&default).to_query_string(), "");
        for bad in ["service=x", "sort=sideways", "mine=maybe", "limit=900"] {
            let err = ListRequest::parse(bad).and_then(ListRequest::query).err();
            assert_eq!(
                err.map(|e| e.kind),
                Some(crate::domain::ErrorKind::BadRequest),
                "{bad}"
            );
        }
    }

    #[test]
    fn names_are_read_once_for_every_door() {
        let declare = DeclareRequest {
            title: "Checkout down".into(),
            severity: "sev2".into(),
            summary: String::new(),
        };
        assert!(matches!(
            declare.command(),
            Ok(Command::Declare(Declaration {
                severity: Severity::Sev2,
                ..
            }))
        ));
        let status = StatusRequest {
            status: "done".into(),
            expected_version: 1,
        };
        let err = status.command().err().map(|e| e.kind);
        assert_eq!(err, Some(crate::domain::ErrorKind::Unprocessable));
    }
}

/// The incidents list's question as text (a URL's query string): every field optional. The
/// REST API and the list screen's address read it the same way.
#[derive(Debug, Default, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct ListRequest {
    /// `open` (the default: still being worked on), `all`, or a status key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// A severity key: `sev1` … `sev4`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// Only incidents linked to this service id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<i64>,
    /// Only incidents you declared or took part in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mine: Option<bool>,
    /// Part of the title (any case), or a reference such as `INC-12`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// `newest` (default), `severity`, `updated` or `oldest`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
    /// The `next` of the page before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Incidents per page: 1–200, 50 when not given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

impl ListRequest {
    /// A URL's query string (with or without its `?`), as the REST API reads it; 400 otherwise.
    pub fn parse(raw: &str) -> Result<ListRequest, AppError> {
        serde_urlencoded::from_str(raw.strip_prefix('?').unwrap_or(raw))
            .map_err(|e| AppError::bad_request(format!("This list address cannot be read: {e}.")))
    }

    /// `query` as the address of its first page: only what differs from the default, so the
    /// default list is plain `/incidents`.
    pub fn of(query: &IncidentQuery) -> ListRequest {
        let default = IncidentQuery::default();
        ListRequest {
            status: (query.status != default.status).then(|| query.status.key().to_owned()),
            severity: query.severity.map(|s| s.key().to_owned()),
            service: query.service,
            mine: query.mine.then_some(true),
            q: (!query.search.is_empty()).then(|| query.search.clone()),
            sort: (query.sort != default.sort).then(|| query.sort.key().to_owned()),
            after: None,
            limit: (query.page_size() != PAGE_DEFAULT).then(|| query.page_size()),
        }
    }

    /// As a query string, without the `?` (empty for the default list).
    pub fn to_query_string(&self) -> String {
        // Strings, numbers and booleans only: this cannot fail.
        serde_urlencoded::to_string(self).unwrap_or_default()
    }

    /// The query, validated; 400 saying what is wrong otherwise.
    pub fn query(self) -> Result<IncidentQuery, AppError> {
        let bad = AppError::bad_request;
        let sort = Sort::parse(self.sort.as_deref().unwrap_or_default()).map_err(bad)?;
        IncidentQuery {
            status: StatusFilter::parse(self.status.as_deref().unwrap_or_default()).map_err(bad)?,
            severity: match self.severity.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(s) => Some(Severity::parse(s).map_err(bad)?),
            },
            service: self.service,
            mine: self.mine.unwrap_or(false),
            search: self.q.unwrap_or_default(),
            sort,
            after: match self.after.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(c) => Some(Cursor::decode(c).map_err(bad)?),
            },
            // Unset is the default page; an explicit 0 asks for no page at all.
            limit: match self.limit {
                Some(0) => return Err(bad("A page holds at least one incident.".into())),
                limit => limit.unwrap_or(0),
            },
        }
        .validated()
        .map_err(bad)
    }
}

/// Which page of a timeline (a URL's query string): every field optional.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct TimelineRequest {
    /// Only events before this timeline version (`incident_version`): the `before` of the
    /// `Link: <…>; rel="next"` header of the page after it. The latest events when not given.
    pub before: Option<i64>,
    /// Events per page: 1–200, 50 when not given.
    pub limit: Option<i64>,
}
