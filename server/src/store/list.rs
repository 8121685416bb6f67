//! The incidents list in SQL (migration 0009): its sort keys and the query that pages through
//! them (the link tables and counts it reads are kept by `derived.rs`). The rule is `IncidentQuery::page_of`; this is the same rule
//! answered over indexes, so a page costs what it shows, not what the history holds.
//!
//! Every order is an index range per status (`(status, sort key, id)`, on `incidents` or on
//! the link table a "service" or "mine" filter reads), scanned from the cursor in one direction
//! and cut at the page's size plus one (to know whether a next page exists); a list over several
//! statuses (open, all) merges those ranges, at most one page each.

use app::domain::{Incident, IncidentQuery, Search, Severity, Sort, Status};
use chrono::{DateTime, Utc};

/// How an engine finds titles containing a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TitleSearch {
    /// SQLite: the FTS5 trigram table `incident_titles` narrows (for searches of three
    /// characters or more, the least a trigram can match), `instr` decides.
    Fts5Trigram,
    /// PostgreSQL: `LIKE '%…%'` over the pg_trgm GIN index on the title key.
    TrigramLike,
}

/// The severity as the list sorts it: more severe is higher, so "most severe first, then
/// newest" reads `(severity_rank, id)` downwards, in one direction.
pub(crate) fn severity_rank(severity: Severity) -> i32 {
    let at = Severity::ALL
        .iter()
        .position(|s| *s == severity)
        .unwrap_or(Severity::ALL.len());
    (Severity::ALL.len() - at) as i32
}

/// The title key a search looks in: the domain's (`IncidentQuery::keeps`).
pub(crate) fn title_key(incident: &Incident) -> String {
    incident.title.to_lowercase()
}

/// A value bound to a page query.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(i64),
    Text(String),
    Time(DateTime<Utc>),
}

/// SQL text and its parameters, numbered in order of appearance (as both engines bind them).
#[derive(Default)]
pub(crate) struct PageSql {
    pub sql: String,
    pub args: Vec<Arg>,
}

impl PageSql {
    /// The placeholder of a new parameter.
    fn arg(&mut self, value: Arg) -> String {
        self.args.push(value);
        format!("${}", self.args.len())
    }
}

/// Where a page's candidates come from: `incidents`, or a link table when a filter narrows
/// the list to one service or to the viewer's incidents.
struct Source {
    table: &'static str,
    id: &'static str,
    scope: Option<(&'static str, i64)>,
}

/// The SQL of one page of `query` (validated) for `viewer_id`: it selects `INCIDENT_SELECT`'s
/// columns, at most one more row than the page holds, in the page's order.
pub(crate) fn page_sql(query: &IncidentQuery, viewer_id: i64, search: TitleSearch) -> PageSql {
    let source = match (query.service, query.mine) {
        (Some(service), _) => Source {
            table: "incident_services",
            id: "incident_id",
            scope: Some(("service_id", service)),
        },
        (None, true) => Source {
            table: "incident_people",
            id: "incident_id",
            scope: Some(("user_id", viewer_id)),
        },
        (None, false) => Source {
            table: "incidents",
            id: "id",
            scope: None,
        },
    };
    let take = i64::from(query.page_size()) + 1;
    let mut out = PageSql::default();
    let mut branches = Vec::new();
    let statuses = Status::ALL.into_iter().filter(|s| query.status.keeps(*s));
    for (k, status) in statuses.enumerate() {
        let x = &source;
        let mut wh = Vec::new();
        if let Some((column, id)) = x.scope {
            wh.push(format!("x.{column} = {}", out.arg(Arg::Int(id))));
        }
        wh.push(format!(
            "x.status = {}",
            out.arg(Arg::Text(status.key().into()))
        ));
        if let Some(severity) = query.severity {
            let rank = out.arg(Arg::Int(severity_rank(severity).into()));
            wh.push(format!("x.severity_rank = {rank}"));
        }
        if let Some(after) = &query.after {
            wh.push(keyset(&mut out, query.sort, after, x.id));
        }
        if query.service.is_some() && query.mine {
            let viewer = out.arg(Arg::Int(viewer_id));
            wh.push(format!(
                "EXISTS (SELECT 1 FROM incident_people p \
                 WHERE p.user_id = {viewer} AND p.incident_id = x.incident_id)"
            ));
        }
        match query.search() {
            Search::Anything => {}
            Search::Reference(id) => {
                wh.push(format!("x.{} = {}", x.id, out.arg(Arg::Int(id))));
            }
            Search::Title(q) => {
                wh.push(if x.table == "incidents" {
                    title_condition(&mut out, &q, search, "x")
                } else {
                    let title = title_condition(&mut out, &q, search, "t");
                    format!(
                        "EXISTS (SELECT 1 FROM incidents t WHERE t.id = x.incident_id AND {title})"
                    )
                });
            }
        }
        let limit = out.arg(Arg::Int(take));
        branches.push(format!(
            "SELECT id FROM (SELECT x.{id} AS id FROM {table} x WHERE {wh} ORDER BY {order} \
             LIMIT {limit}) AS b{k}",
            id = x.id,
            table = x.table,
            wh = wh.join(" AND "),
            order = order_by(query.sort, "x", x.id),
        ));
    }
    let limit = out.arg(Arg::Int(take));
    out.sql = format!(
        "{} WHERE i.id IN ({}) ORDER BY {} LIMIT {limit}",
        super::common::INCIDENT_SELECT,
        branches.join(" UNION ALL "),
        order_by(query.sort, "i", "id"),
    );
    out
}

/// Rows after `after` in `sort`'s order: one row-value comparison, a range of the sort's index.
fn keyset(out: &mut PageSql, sort: Sort, after: &app::domain::Cursor, id: &str) -> String {
    use app::domain::Cursor;
    match (sort, after) {
        (Sort::Severity, Cursor::Severity { severity, id: c }) => {
            let rank = out.arg(Arg::Int(severity_rank(*severity).into()));
            let c = out.arg(Arg::Int(*c));
            format!("(x.severity_rank, x.{id}) < ({rank}, {c})")
        }
        (Sort::Updated, Cursor::Updated { at, id: c }) => {
            let at = out.arg(Arg::Time(*at));
            let c = out.arg(Arg::Int(*c));
            format!("(x.updated_at, x.{id}) < ({at}, {c})")
        }
        (Sort::Oldest, Cursor::Oldest { at, id: c }) => {
            let at = out.arg(Arg::Time(*at));
            let c = out.arg(Arg::Int(*c));
            format!("(x.detected_at, x.{id}) > ({at}, {c})")
        }
        // Newest, or a cursor of another order (`validated` refuses it): by id, as the
        // reference rule compares them.
        (_, cursor) => format!("x.{id} < {}", out.arg(Arg::Int(cursor.id()))),
    }
}

fn order_by(sort: Sort, t: &str, id: &str) -> String {
    match sort {
        Sort::Newest => format!("{t}.{id} DESC"),
        Sort::Severity => format!("{t}.severity_rank DESC, {t}.{id} DESC"),
        Sort::Updated => format!("{t}.updated_at DESC, {t}.{id} DESC"),
        Sort::Oldest => format!("{t}.detected_at, {t}.{id}"),
    }
}

/// Whether `{t}.title_key` contains `q` (lower-cased already), exactly.
fn title_condition(out: &mut PageSql, q: &str, search: TitleSearch, t: &str) -> String {
    match search {
        TitleSearch::TrigramLike => {
            let mut pattern = String::from("%");
            for c in q.chars() {
                if matches!(c, '%' | '_' | '\\') {
                    pattern.push('\\');
                }
                pattern.push(c);
            }
            pattern.push('%');
            format!(
                "{t}.title_key LIKE {} ESCAPE '\\'",
                out.arg(Arg::Text(pattern))
            )
        }
        TitleSearch::Fts5Trigram => {
            let narrow = if q.chars().count() < 3 {
                String::new()
            } else {
                // A phrase of trigrams: the titles holding every trigram of `q` in a row.
                let phrase = format!("\"{}\"", q.replace('"', "\"\""));
                format!(
                    "{t}.id IN (SELECT rowid FROM incident_titles \
                     WHERE incident_titles MATCH {}) AND ",
                    out.arg(Arg::Text(phrase))
                )
            };
            format!(
                "{narrow}instr({t}.title_key, {}) > 0",
                out.arg(Arg::Text(q.into()))
            )
        }
    }
}
