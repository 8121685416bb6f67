//! Which incidents a list shows, in what order, a page at a time: the one rule the server's SQL
//! implements (keyset pagination over indexes) and the browser applies to live events (does a
//! changed incident enter, stay on or leave the page it shows?).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::event::{EventPayload, EventRecord};
use super::state::Incident;
use super::values::{Milestone, Severity, Status};

/// A page holds at most this many incidents.
pub const PAGE_MAX: u32 = 200;
/// A page holds this many when the asker does not say.
pub const PAGE_DEFAULT: u32 = 50;
/// A search longer than this is refused.
pub const SEARCH_MAX_CHARS: usize = 200;

/// Which statuses a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "is", content = "status")]
pub enum StatusFilter {
    /// Still being worked on (`Status::is_active`): the default.
    #[default]
    Open,
    All,
    Is(Status),
}

impl StatusFilter {
    /// As in a URL: `open`, `all` or a status key.
    pub fn key(self) -> &'static str {
        match self {
            StatusFilter::Open => "open",
            StatusFilter::All => "all",
            StatusFilter::Is(s) => s.key(),
        }
    }

    pub fn parse(input: &str) -> Result<StatusFilter, String> {
        match input.trim() {
            "" | "open" => Ok(StatusFilter::Open),
            "all" => Ok(StatusFilter::All),
            other => Status::parse(other)
                .map(StatusFilter::Is)
                .map_err(|e| format!("{e} (or \"open\", \"all\")")),
        }
    }

    pub fn keeps(self, status: Status) -> bool {
        match self {
            StatusFilter::Open => status.is_active(),
            StatusFilter::All => true,
            StatusFilter::Is(s) => status == s,
        }
    }
}

/// The order of a list. Every order ends in the id, so it is total and a cursor is exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Highest id (latest declared) first.
    #[default]
    Newest,
    /// Most severe first, then newest.
    Severity,
    /// Latest `updated_at` first, then highest id.
    Updated,
    /// Earliest `detected_at` first (open longest, for open incidents), then lowest id.
    Oldest,
}

impl Sort {
    pub const ALL: [Sort; 4] = [Sort::Newest, Sort::Severity, Sort::Updated, Sort::Oldest];

    pub fn key(self) -> &'static str {
        match self {
            Sort::Newest => "newest",
            Sort::Severity => "severity",
            Sort::Updated => "updated",
            Sort::Oldest => "oldest",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::Newest => "Newest first",
            Sort::Severity => "Severity",
            Sort::Updated => "Recently updated",
            Sort::Oldest => "Open longest",
        }
    }

    pub fn parse(input: &str) -> Result<Sort, String> {
        match input.trim() {
            "" => Ok(Sort::Newest),
            // The old name of `oldest`, when the list sorted in the browser.
            "longest" => Ok(Sort::Oldest),
            other => Sort::ALL
                .into_iter()
                .find(|s| s.key() == other)
                .ok_or_else(|| {
                    format!(
                        "\"{other}\" is not a sort order: use one of {}",
                        Sort::ALL.map(Sort::key).join(", ")
                    )
                }),
        }
    }
}

/// Where a page ends: the sort key of its last incident and its id. The next page starts after
/// it, whatever was added or closed meanwhile (keyset pagination: no offsets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "by")]
pub enum Cursor {
    Newest { id: i64 },
    Severity { severity: Severity, id: i64 },
    Updated { at: DateTime<Utc>, id: i64 },
    Oldest { at: DateTime<Utc>, id: i64 },
}

impl Cursor {
    pub fn sort(&self) -> Sort {
        match self {
            Cursor::Newest { .. } => Sort::Newest,
            Cursor::Severity { .. } => Sort::Severity,
            Cursor::Updated { .. } => Sort::Updated,
            Cursor::Oldest { .. } => Sort::Oldest,
        }
    }

    pub fn id(&self) -> i64 {
        match self {
            Cursor::Newest { id }
            | Cursor::Severity { id, .. }
            | Cursor::Updated { id, .. }
            | Cursor::Oldest { id, .. } => *id,
        }
    }

    /// Where `incident` stands in `sort`.
    pub fn of(sort: Sort, incident: &Incident) -> Cursor {
        let id = incident.id;
        match sort {
            Sort::Newest => Cursor::Newest { id },
            Sort::Severity => Cursor::Severity {
                severity: incident.severity,
                id,
            },
            Sort::Updated => Cursor::Updated {
                at: incident.updated_at,
                id,
            },
            Sort::Oldest => Cursor::Oldest {
                at: incident.detected_at,
                id,
            },
        }
    }

    /// As in a URL (`after=`): opaque to callers, readable to us.
    pub fn encode(&self) -> String {
        match self {
            Cursor::Newest { id } => format!("n.{id}"),
            Cursor::Severity { severity, id } => format!("s.{}.{id}", severity.key()),
            Cursor::Updated { at, id } => format!("u.{}.{id}", at.timestamp_micros()),
            Cursor::Oldest { at, id } => format!("o.{}.{id}", at.timestamp_micros()),
        }
    }

    pub fn decode(input: &str) -> Result<Cursor, String> {
        let bad = || format!("\"{input}\" is not a cursor: pass back the `next` of a page");
        let parts: Vec<&str> = input.trim().split('.').collect();
        let id = |s: &str| s.parse::<i64>().map_err(|_| bad());
        let at = |s: &str| {
            s.parse::<i64>()
                .ok()
                .and_then(DateTime::<Utc>::from_timestamp_micros)
                .ok_or_else(bad)
        };
        match parts.as_slice() {
            ["n", i] => Ok(Cursor::Newest { id: id(i)? }),
            ["s", s, i] => Ok(Cursor::Severity {
                severity: Severity::parse(s).map_err(|_| bad())?,
                id: id(i)?,
            }),
            ["u", t, i] => Ok(Cursor::Updated {
                at: at(t)?,
                id: id(i)?,
            }),
            ["o", t, i] => Ok(Cursor::Oldest {
                at: at(t)?,
                id: id(i)?,
            }),
            _ => Err(bad()),
        }
    }
}

/// A list's question: filters, search, order and where the page starts.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IncidentQuery {
    #[serde(default)]
    pub status: StatusFilter,
    #[serde(default)]
    pub severity: Option<Severity>,
    /// Only incidents linked to this service.
    #[serde(default)]
    pub service: Option<i64>,
    /// Only incidents the viewer declared or took part in (`Incident::involves`).
    #[serde(default)]
    pub mine: bool,
    /// Part of the title (any case), or a reference: `INC-12` or `12`. Trimmed.
    #[serde(default)]
    pub search: String,
    #[serde(default)]
    pub sort: Sort,
    /// Start after this incident (the `next` of the page before); in `sort`'s order.
    #[serde(default)]
    pub after: Option<Cursor>,
    /// At most this many (1..=`PAGE_MAX`; `PAGE_DEFAULT` when 0).
    #[serde(default)]
    pub limit: u32,
}

/// What a search asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    Anything,
    /// The incident with this id (the search was a reference).
    Reference(i64),
    /// Titles containing this, lower-cased (`str::to_lowercase`, as the title key is stored).
    Title(String),
}

impl IncidentQuery {
    /// The open incidents, newest first: what the list shows at first.
    pub fn open() -> IncidentQuery {
        IncidentQuery::default()
    }

    /// Refuses what no page can answer; trims the search and settles the limit.
    pub fn validated(mut self) -> Result<IncidentQuery, String> {
        self.search = self.search.trim().to_owned();
        if self.search.chars().count() > SEARCH_MAX_CHARS {
            return Err(format!(
                "A search can be at most {SEARCH_MAX_CHARS} characters."
            ));
        }
        crate::domain::check_chars("Search", &self.search).map_err(|e| e.to_string())?;
        if let Some(after) = &self.after {
            if after.sort() != self.sort {
                return Err(format!(
                    "This cursor continues a list sorted by {}, not by {}.",
                    after.sort().key(),
                    self.sort.key()
                ));
            }
        }
        self.limit = match self.limit {
            0 => PAGE_DEFAULT,
            n if n > PAGE_MAX => {
                return Err(format!("A page holds at most {PAGE_MAX} incidents."));
            }
            n => n,
        };
        Ok(self)
    }

    /// The limit as the page is cut (`PAGE_DEFAULT` when not set).
    pub fn page_size(&self) -> u32 {
        match self.limit {
            0 => PAGE_DEFAULT,
            n => n.min(PAGE_MAX),
        }
    }

    pub fn search(&self) -> Search {
        let q = self.search.trim();
        if q.is_empty() {
            return Search::Anything;
        }
        let digits = q
            .strip_prefix("INC-")
            .or_else(|| q.strip_prefix("inc-"))
            .unwrap_or(q);
        match digits.parse::<i64>() {
            Ok(id) if id > 0 && !digits.starts_with('+') => Search::Reference(id),
            _ => Search::Title(q.to_lowercase()),
        }
    }

    /// Whether the filters and search keep `incident` (for the viewer `viewer_id`), wherever
    /// the page starts.
    pub fn keeps(&self, incident: &Incident, viewer_id: i64) -> bool {
        self.status.keeps(incident.status)
            && self.severity.is_none_or(|s| incident.severity == s)
            && self
                .service
                .is_none_or(|id| incident.services.iter().any(|s| s.id == id))
            && (!self.mine || incident.involves(viewer_id))
            && match self.search() {
                Search::Anything => true,
                Search::Reference(id) => incident.id == id,
                Search::Title(q) => incident.title.to_lowercase().contains(&q),
            }
    }

    /// The order of the list: `Less` when `a` comes first.
    pub fn order(&self, a: &Incident, b: &Incident) -> Ordering {
        compare(&Cursor::of(self.sort, a), &Cursor::of(self.sort, b))
    }

    /// Whether `incident` comes after `cursor` in this order (is on a later page).
    pub fn is_after(&self, incident: &Incident, cursor: &Cursor) -> bool {
        compare(&Cursor::of(self.sort, incident), cursor) == Ordering::Greater
    }

    /// The page of `all` this query asks for, as the server's SQL must answer it: the rule
    /// written plainly (the browser's and the tests' reference; the server never scans).
    pub fn page_of<'a>(
        &self,
        all: impl IntoIterator<Item = &'a Incident>,
        viewer_id: i64,
    ) -> IncidentPage {
        let mut kept: Vec<&Incident> = all
            .into_iter()
            .filter(|i| self.keeps(i, viewer_id))
            .filter(|i| self.after.as_ref().is_none_or(|c| self.is_after(i, c)))
            .collect();
        kept.sort_by(|a, b| self.order(a, b));
        let size = self.page_size() as usize;
        let more = kept.len() > size;
        kept.truncate(size);
        IncidentPage {
            next: more
                .then(|| kept.last().map(|i| Cursor::of(self.sort, i).encode()))
                .flatten(),
            incidents: kept.into_iter().cloned().collect(),
        }
    }
}

/// How a list on screen follows live events (the page asks; the rule lives here).
impl IncidentQuery {
    /// Could `event` bring an incident the page does not show onto it: does it now pass the
    /// filters, or move into the page's stretch of the order? Answered from the event alone, so
    /// `true` means "fetch the incident and `place` it"; `false` means it cannot come in.
    pub fn may_admit(&self, event: &EventRecord, viewer_id: i64) -> bool {
        use EventPayload as P;
        if matches!(event.payload, P::SlaPolicyChanged { .. }) {
            // Neither activity nor taking part (see `apply`): nothing the list looks at moves.
            return false;
        }
        // Any other event is activity (`updated_at`) by its actor (who now takes part).
        if self.sort == Sort::Updated || (self.mine && event.actor.id == viewer_id) {
            return true;
        }
        match &event.payload {
            P::IncidentDeclared { .. } => true,
            P::StatusChanged { from, to } | P::Acknowledged { from, to } => {
                self.status.keeps(*to) && !self.status.keeps(*from)
            }
            P::MergedInto { .. } => self.status.keeps(Status::Merged),
            // A higher severity comes earlier (`Severity` orders the most severe first).
            P::SeverityChanged { from, to, .. } => {
                self.severity.is_some_and(|s| s == *to && s != *from)
                    || (self.sort == Sort::Severity && to < from)
            }
            P::ServiceLinked { service } => self.service == Some(service.id),
            P::TimestampChanged { milestone, .. } => {
                self.sort == Sort::Oldest && *milestone == Milestone::Detected
            }
            _ => false,
        }
    }
}

impl IncidentPage {
    /// Where `next` says this page ends (`None` on the last page, or for a cursor we cannot read).
    pub fn end(&self) -> Option<Cursor> {
        self.next.as_deref().and_then(|c| Cursor::decode(c).ok())
    }

    /// Puts `incident` (a newer state of a row, or one that may come in) where `query` wants it:
    /// gone if the filters no longer keep it or it now sorts past the page's end (a later page
    /// brings it), else in its place by `query.order`. A state older than the row's is ignored.
    pub fn place(&mut self, query: &IncidentQuery, incident: Incident, viewer_id: i64) {
        if let Some(pos) = self.incidents.iter().position(|i| i.id == incident.id) {
            if self.incidents[pos].version > incident.version {
                return;
            }
            self.incidents.remove(pos);
        }
        let past_end = self.end().is_some_and(|c| query.is_after(&incident, &c));
        if !query.keeps(&incident, viewer_id) || past_end {
            return;
        }
        let at = self
            .incidents
            .partition_point(|i| query.order(i, &incident) == Ordering::Less);
        self.incidents.insert(at, incident);
    }

    /// Adds the page after this one (what `next` asked for), skipping rows already shown.
    pub fn extend(&mut self, query: &IncidentQuery, more: IncidentPage, viewer_id: i64) {
        self.next = more.next;
        for incident in more.incidents {
            self.place(query, incident, viewer_id);
        }
    }
}

/// Two positions in the same order (both of one sort).
fn compare(a: &Cursor, b: &Cursor) -> Ordering {
    use Cursor::*;
    match (a, b) {
        (Newest { id: x }, Newest { id: y }) => y.cmp(x),
        (Severity { severity: s, id: x }, Severity { severity: t, id: y }) => {
            s.cmp(t).then(y.cmp(x))
        }
        (Updated { at: s, id: x }, Updated { at: t, id: y }) => t.cmp(s).then(y.cmp(x)),
        (Oldest { at: s, id: x }, Oldest { at: t, id: y }) => s.cmp(t).then(x.cmp(y)),
        // Different orders never meet: `validated` refuses such a cursor.
        (x, y) => x.id().cmp(&y.id()),
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IncidentPage {
    pub incidents: Vec<Incident>,
    /// Pass as `after` for the next page; `None` on the last.
    pub next: Option<String>,
}

/// How many incidents are in each status: a read model the events keep, never a count over the
/// table. A status with none is missing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StatusCounts(pub BTreeMap<String, u64>);

impl StatusCounts {
    pub fn of(&self, status: Status) -> u64 {
        self.0.get(status.key()).copied().unwrap_or(0)
    }

    /// The counts of `all`, counted plainly (the tests' reference).
    pub fn count<'a>(all: impl IntoIterator<Item = &'a Incident>) -> StatusCounts {
        let mut counts = BTreeMap::new();
        for i in all {
            *counts.entry(i.status.key().to_owned()).or_insert(0) += 1;
        }
        StatusCounts(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{declared, record};
    use super::*;
    use crate::domain::ServiceRef;

    fn incident(id: i64, severity: Severity, status: Status) -> Incident {
        let mut i = declared().unwrap();
        i.id = id;
        i.severity = severity;
        i.status = status;
        i
    }

    fn event(payload: EventPayload, actor: i64) -> EventRecord {
        let mut e = record(&declared(), payload, 5);
        e.actor.id = actor;
        e
    }

    #[test]
    fn only_events_that_can_bring_an_incident_in_are_fetched() {
        let open = IncidentQuery::open();
        let reopened = EventPayload::StatusChanged {
            from: Status::Resolved,
            to: Status::Investigating,
        };
        let moved_on = EventPayload::StatusChanged {
            from: Status::Triage,
            to: Status::Investigating,
        };
        assert!(open.may_admit(&event(reopened, 2), 1));
        assert!(!open.may_admit(&event(moved_on.clone(), 2), 1));
        let note = EventPayload::NoteAdded { body: "x".into() };
        assert!(!open.may_admit(&event(note.clone(), 2), 1));

        let mine = IncidentQuery {
            mine: true,
            ..IncidentQuery::open()
        };
        assert!(mine.may_admit(&event(note.clone(), 1), 1));
        assert!(!mine.may_admit(&event(note.clone(), 2), 1));

        let updated = IncidentQuery {
            sort: Sort::Updated,
            ..IncidentQuery::open()
        };
        assert!(updated.may_admit(&event(note, 2), 1));
        let policy = EventPayload::SlaPolicyChanged {
            changes: Vec::new(),
            policy: Default::default(),
            revision: 2,
        };
        assert!(!updated.may_admit(&event(policy, 2), 1));

        let sev1 = IncidentQuery {
            severity: Some(Severity::Sev1),
            ..IncidentQuery::open()
        };
        let raised = EventPayload::SeverityChanged {
            from: Severity::Sev3,
            to: Severity::Sev1,
            reason: String::new(),
        };
        let lowered = EventPayload::SeverityChanged {
            from: Severity::Sev1,
            to: Severity::Sev3,
            reason: String::new(),
        };
        assert!(sev1.may_admit(&event(raised.clone(), 2), 1));
        assert!(!sev1.may_admit(&event(lowered.clone(), 2), 1));
        let by_severity = IncidentQuery {
            sort: Sort::Severity,
            ..IncidentQuery::open()
        };
        assert!(by_severity.may_admit(&event(raised, 2), 1));
        assert!(!by_severity.may_admit(&event(lowered, 2), 1));

        let checkout = IncidentQuery {
            service: Some(4),
            ..IncidentQuery::open()
        };
        let linked = |id| EventPayload::ServiceLinked {
            service: ServiceRef {
                id,
                name: "Checkout".into(),
            },
        };
        assert!(checkout.may_admit(&event(linked(4), 2), 1));
        assert!(!checkout.may_admit(&event(linked(5), 2), 1));
        assert!(!IncidentQuery::open().may_admit(&event(moved_on, 2), 1));
    }

    #[test]
    fn status_counts_move_only_with_a_status() {
        let status = EventPayload::Acknowledged {
            from: Status::Triage,
            to: Status::Investigating,
        };
        assert!(status.moves_status());
        assert!(!EventPayload::NoteAdded { body: "x".into() }.moves_status());
    }

    #[test]
    fn a_row_is_placed_by_the_order_and_never_past_the_page_end() {
        let query = IncidentQuery {
            limit: 2,
            ..IncidentQuery::open()
        };
        let all = [
            incident(5, Severity::Sev2, Status::Triage),
            incident(4, Severity::Sev2, Status::Triage),
            incident(3, Severity::Sev2, Status::Triage),
        ];
        let mut page = query.page_of(&all, 1);
        let ids = |p: &IncidentPage| p.incidents.iter().map(|i| i.id).collect::<Vec<_>>();
        assert_eq!(ids(&page), [5, 4]);
        assert_eq!(page.end(), Some(Cursor::Newest { id: 4 }));

        // A new one comes first; one past the end waits for its page.
        page.place(&query, incident(9, Severity::Sev2, Status::Triage), 1);
        page.place(&query, incident(2, Severity::Sev2, Status::Triage), 1);
        assert_eq!(ids(&page), [9, 5, 4]);

        // Resolved: the open list drops it; an older state never comes back over a newer one.
        let mut resolved = incident(5, Severity::Sev2, Status::Resolved);
        resolved.version = 3;
        page.place(&query, resolved, 1);
        assert_eq!(ids(&page), [9, 4]);
        let mut stale = incident(4, Severity::Sev1, Status::Triage);
        stale.version = 0;
        page.place(&query, stale, 1);
        assert_eq!(page.incidents[1].severity, Severity::Sev2);

        // The next page joins without repeating what is already shown.
        let next = IncidentQuery {
            after: page.end(),
            ..query.clone()
        };
        let mut later = all.to_vec();
        later.push(incident(1, Severity::Sev2, Status::Triage));
        let more = next.page_of(&later, 1);
        assert_eq!(ids(&more), [3, 1]);
        page.extend(&query, more, 1);
        assert_eq!(ids(&page), [9, 4, 3, 1]);
        assert_eq!(page.next, None);
    }
}
