//! The incidents list answered in SQL (migration 0009) against its reference rule
//! (`IncidentQuery::page_of`, `StatusCounts::count`): keyset pages that stay exact while
//! incidents come and go, every filter × sort × search, the status counts read model, and the
//! problems a bad query string gets. On SQLite and PostgreSQL alike.

use std::collections::{BTreeSet, HashMap};

use app::domain::{
    apply, Actor, Cursor, EventPayload, EventRecord, Incident, IncidentQuery, ServiceRef, Severity,
    Sort, Status, StatusCounts, StatusFilter, User, UserRole,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use reqwest::Method;
use serde_json::{json, Value};
use sitrep::store::Store;

use crate::common::{assert_problem, Client, Db, TestServer};

/// Title pieces: non-ASCII letters whose lower case differs from ASCII folding (İ, Σ, Ü, É),
/// LIKE's wildcards and its escape character.
const WORDS: [&str; 14] = [
    "Database",
    "ÉCHEC",
    "Straße",
    "İstanbul",
    "100% CPU",
    "under_score",
    "ΣΊΣΥΦΟΣ",
    "Über",
    "DNS",
    "disk",
    "back\\slash",
    "\"quoted\"",
    "café",
    "50%_off",
];

/// Searches: pieces of titles in other cases, wildcards alone, short and absent ones.
const SEARCHES: [&str; 20] = [
    "",
    "data",
    "DATA",
    "échec",
    "strasse",
    "straße",
    "i̇stanbul",
    "istanbul",
    "%",
    "_",
    "100%",
    "r_s",
    "σίσυφος",
    "über",
    "db",
    "\\",
    "\"quoted",
    "zzz",
    "% c",
    "0%_o",
];

/// Times in the future: no SLA deadline passes while a test runs, so the watcher leaves the
/// history as written.
fn at(seconds: i64, micros: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2031, 3, 1, 0, 0, 0).unwrap()
        + Duration::seconds(seconds)
        + Duration::microseconds(micros)
}

/// A time from a small pool, so that sort keys tie, with fractions of every length sqlx writes
/// (none, milliseconds, microseconds): SQLite compares them as text.
fn some_time(rng: &mut fastrand::Rng) -> DateTime<Utc> {
    let micros = [0, 500_000, 123_456, 120_000, 7][rng.usize(..5)];
    at(rng.i64(0..400), micros)
}

/// Appends `payload` by `actor` at `when` to `state` (none: a declaration) and keeps the stored
/// incident.
async fn push(
    store: &dyn Store,
    state: &mut Option<Incident>,
    actor: &User,
    when: DateTime<Utc>,
    payload: EventPayload,
) {
    let expected = state.as_ref().map(|i| i.version);
    let event = EventRecord {
        id: 0,
        incident_id: state.as_ref().map_or(0, |i| i.id),
        incident_version: expected.unwrap_or(0) + 1,
        at: when,
        actor: Actor {
            id: actor.id,
            name: actor.name.clone(),
        },
        payload,
        html: None,
    };
    let mut next = state.clone();
    apply(&mut next, &event);
    let next = next.expect("an incident");
    let policy = crate::common::policy_now(store).await;
    let (stored, _) = store
        .append(expected, &next, &[event], &policy)
        .await
        .unwrap();
    *state = Some(stored);
}

/// `n` incidents with varied titles, severities, statuses, services, participants and times,
/// written straight to the store.
async fn history(store: &dyn Store, people: &[User], n: usize, rng: &mut fastrand::Rng) {
    for k in 0..n {
        let words = rng.usize(1..4);
        let title: Vec<&str> = (0..words)
            .map(|_| WORDS[rng.usize(..WORDS.len())])
            .collect();
        let mut state = None;
        let declared_by = &people[rng.usize(..people.len())];
        let mut when = some_time(rng);
        push(
            store,
            &mut state,
            declared_by,
            when,
            EventPayload::IncidentDeclared {
                title: format!("{} {k}", title.join(" ")),
                severity: Severity::ALL[rng.usize(..4)],
                summary: String::new(),
            },
        )
        .await;
        for _ in 0..rng.usize(0..4) {
            // Updates move forward in time, some at the very same instant.
            when += Duration::microseconds([0, 1, 250_000, 3_000_000][rng.usize(..4)]);
            let actor = &people[rng.usize(..people.len())];
            let payload = match rng.usize(..5) {
                0 => EventPayload::NoteAdded { body: "…".into() },
                1 => {
                    let id = rng.i64(1..5);
                    EventPayload::ServiceLinked {
                        service: ServiceRef {
                            id,
                            name: format!("service {id}"),
                        },
                    }
                }
                2 => {
                    let from = state.as_ref().map_or(Severity::Sev2, |i| i.severity);
                    EventPayload::SeverityChanged {
                        from,
                        to: Severity::ALL[rng.usize(..4)],
                        reason: String::new(),
                    }
                }
                _ => {
                    let from = state.as_ref().map_or(Status::Triage, |i| i.status);
                    EventPayload::StatusChanged {
                        from,
                        to: Status::ALL[rng.usize(..Status::ALL.len())],
                    }
                }
            };
            push(store, &mut state, actor, when, payload).await;
        }
    }
}

/// Every page of `query` from the store, checked page by page against the reference rule over
/// `all`; returns the ids in the order walked.
async fn walk_store(
    store: &dyn Store,
    all: &[Incident],
    query: IncidentQuery,
    viewer: i64,
) -> Vec<i64> {
    let mut query = query.validated().expect("a valid query");
    let mut seen = Vec::new();
    for _ in 0..=all.len() + 1 {
        let got = store.incidents_page(&query, viewer).await.unwrap();
        let want = query.page_of(all, viewer);
        assert_eq!(
            got.incidents.iter().map(|i| i.id).collect::<Vec<_>>(),
            want.incidents.iter().map(|i| i.id).collect::<Vec<_>>(),
            "{query:?} for {viewer}"
        );
        assert_eq!(got, want, "{query:?} for {viewer}");
        seen.extend(got.incidents.iter().map(|i| i.id));
        match got.next {
            None => return seen,
            Some(next) => query.after = Some(Cursor::decode(&next).unwrap()),
        }
    }
    panic!("{query:?} never ended");
}

/// A query as a REST query string.
fn query_string(query: &IncidentQuery) -> String {
    let mut parts = vec![
        format!("status={}", query.status.key()),
        format!("sort={}", query.sort.key()),
        format!("limit={}", query.page_size()),
    ];
    if let Some(s) = query.severity {
        parts.push(format!("severity={}", s.key()));
    }
    if let Some(s) = query.service {
        parts.push(format!("service={s}"));
    }
    if query.mine {
        parts.push("mine=true".into());
    }
    if !query.search.is_empty() {
        parts.push(format!("q={}", urlencode(&query.search)));
    }
    if let Some(after) = &query.after {
        parts.push(format!("after={}", urlencode(&after.encode())));
    }
    parts.join("&")
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `GET /api/v1/incidents?…`, 200.
async fn list(client: &Client, query: &str) -> Value {
    client
        .ok(Method::GET, &format!("/api/v1/incidents?{query}"), None)
        .await
}

/// The same walk through the REST API, as `client` sees it.
async fn walk_rest(client: &Client, all: &[Incident], query: IncidentQuery) -> Vec<i64> {
    let viewer = client.user.as_ref().map_or(0, |u| u.id);
    let mut query = query.validated().expect("a valid query");
    let mut seen = Vec::new();
    for _ in 0..=all.len() + 1 {
        let got = list(client, &query_string(&query)).await;
        let want = query.page_of(all, viewer);
        let ids: Vec<i64> = got["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect();
        assert_eq!(
            ids,
            want.incidents.iter().map(|i| i.id).collect::<Vec<_>>(),
            "GET {}",
            query_string(&query)
        );
        assert_eq!(got["next"].as_str(), want.next.as_deref());
        seen.extend(ids);
        match want.next {
            None => return seen,
            Some(next) => query.after = Some(Cursor::decode(&next).unwrap()),
        }
    }
    panic!("{query:?} never ended");
}

fn random_query(rng: &mut fastrand::Rng) -> IncidentQuery {
    IncidentQuery {
        status: match rng.usize(..3) {
            0 => StatusFilter::Open,
            1 => StatusFilter::All,
            _ => StatusFilter::Is(Status::ALL[rng.usize(..Status::ALL.len())]),
        },
        severity: rng.bool().then(|| Severity::ALL[rng.usize(..4)]),
        service: rng.bool().then(|| rng.i64(1..6)),
        mine: rng.bool(),
        search: SEARCHES[rng.usize(..SEARCHES.len())].to_owned(),
        sort: Sort::ALL[rng.usize(..4)],
        after: None,
        limit: rng.u32(1..30),
    }
}

on_both_stores!(
    pages_in_sql_are_the_reference_rule_for_every_filter_sort_and_search,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let mut clients = Vec::new();
        for _ in 0..3 {
            clients.push(server.client(UserRole::Responder).await);
        }
        let people: Vec<User> = clients.iter().filter_map(|c| c.user.clone()).collect();
        let mut rng = fastrand::Rng::with_seed(14);
        history(&*server.store, &people, 300, &mut rng).await;
        let all = server.store.incidents().await.unwrap();
        assert_eq!(all.len(), 300);

        // Every filter × sort, with a random search, page size and viewer.
        for status in [
            StatusFilter::Open,
            StatusFilter::All,
            StatusFilter::Is(Status::Resolved),
        ] {
            for severity in [None, Some(Severity::Sev2)] {
                for service in [None, Some(2)] {
                    for mine in [false, true] {
                        for sort in Sort::ALL {
                            let query = IncidentQuery {
                                status,
                                severity,
                                service,
                                mine,
                                search: SEARCHES[rng.usize(..SEARCHES.len())].to_owned(),
                                sort,
                                after: None,
                                limit: rng.u32(1..25),
                            };
                            let viewer = people[rng.usize(..people.len())].id;
                            walk_store(&*server.store, &all, query, viewer).await;
                        }
                    }
                }
            }
        }
        // Each search alone over every incident, and references.
        let mut searches: Vec<String> = SEARCHES.iter().map(|s| s.to_string()).collect();
        searches.extend([
            format!("INC-{}", all[7].id),
            all[9].id.to_string(),
            "INC-999999".into(),
        ]);
        let mut found = 0;
        for search in searches {
            let query = IncidentQuery {
                status: StatusFilter::All,
                search,
                limit: 200,
                ..IncidentQuery::default()
            };
            found += walk_store(&*server.store, &all, query, people[0].id)
                .await
                .len();
        }
        assert!(found > 300, "the searches find something: {found}");
        // Random queries, through the store and through the REST API.
        for _ in 0..150 {
            let query = random_query(&mut rng);
            let viewer = people[rng.usize(..people.len())].id;
            walk_store(&*server.store, &all, query, viewer).await;
        }
        for _ in 0..30 {
            let query = random_query(&mut rng);
            walk_rest(&clients[rng.usize(..clients.len())], &all, query).await;
        }
        // A whole walk of the default list: each open incident once, newest first.
        let walked = walk_rest(
            &clients[0],
            &all,
            IncidentQuery {
                limit: 7,
                ..IncidentQuery::default()
            },
        )
        .await;
        let mut open: Vec<i64> = all
            .iter()
            .filter(|i| i.status.is_active())
            .map(|i| i.id)
            .collect();
        open.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(walked, open);
    }
);

/// An incident's id and version in a REST response.
fn id_version(v: &Value) -> (i64, i64) {
    (v["id"].as_i64().unwrap(), v["version"].as_i64().unwrap())
}

on_both_stores!(
    a_keyset_walk_sees_each_incident_open_throughout_once,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let admin = server.client(UserRole::Admin).await;
        let mut open: Vec<(i64, i64)> = Vec::new();
        for k in 0..60 {
            open.push(id_version(
                &admin
                    .declare(&format!("Walk {k}"), ["sev1", "sev2", "sev3"][k % 3])
                    .await,
            ));
        }
        let initial: Vec<i64> = open.iter().map(|(id, _)| *id).collect();
        let mut rng = fastrand::Rng::with_seed(7);
        let mut closed = BTreeSet::new();
        let mut seen: Vec<i64> = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..100 {
            let mut query = "limit=7".to_owned();
            if let Some(next) = &after {
                query.push_str(&format!("&after={}", urlencode(next)));
            }
            let page = list(&admin, &query).await;
            let ids: Vec<i64> = page["incidents"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_i64().unwrap())
                .collect();
            // Newest first, within the page and after the one before.
            for pair in seen
                .last()
                .into_iter()
                .chain(&ids)
                .collect::<Vec<_>>()
                .windows(2)
            {
                assert!(pair[0] > pair[1], "order: {ids:?} after {seen:?}");
            }
            for id in &ids {
                assert!(!closed.contains(id), "{id} was closed before this page");
            }
            seen.extend(&ids);
            after = page["next"].as_str().map(str::to_owned);
            if after.is_none() {
                break;
            }
            // Meanwhile: new incidents, and some open ones (shown or not yet) resolved or
            // declined.
            for k in 0..2 {
                open.push(id_version(
                    &admin.declare(&format!("Late {k}"), "sev2").await,
                ));
            }
            for _ in 0..2 {
                let (id, version) = open.remove(rng.usize(..open.len()));
                let to = if rng.bool() { "resolved" } else { "declined" };
                admin
                    .ok(
                        Method::POST,
                        &format!("/api/v1/incidents/{id}/status"),
                        Some(json!({"status": to, "expected_version": version})),
                    )
                    .await;
                closed.insert(id);
            }
        }
        assert!(after.is_none(), "the walk ended");
        let unique: BTreeSet<i64> = seen.iter().copied().collect();
        assert_eq!(unique.len(), seen.len(), "none twice: {seen:?}");
        let first: BTreeSet<i64> = initial.iter().copied().collect();
        for id in first.difference(&closed) {
            assert!(
                unique.contains(id),
                "{id} was open throughout but not shown"
            );
        }
    }
);

/// The counts the REST list reports, the store's, and the reference over every incident agree.
async fn assert_counts(server: &TestServer, client: &Client) {
    let all = server.store.incidents().await.unwrap();
    let want = StatusCounts::count(&all);
    assert_eq!(server.store.status_counts().await.unwrap(), want);
    let listed = list(client, "status=all&limit=1").await;
    let counts: StatusCounts = serde_json::from_value(listed["counts"].clone()).unwrap();
    assert_eq!(counts, want);
}

on_both_stores!(
    status_counts_follow_every_command_and_survive_a_restart,
    |db: Db| async move {
        let server = TestServer::start(db).await;
        let admin = server.client(UserRole::Admin).await;
        assert_counts(&server, &admin).await;
        let mut rng = fastrand::Rng::with_seed(3);
        let mut ids: Vec<i64> = Vec::new();
        let statuses = [
            "investigating",
            "identified",
            "monitoring",
            "resolved",
            "closed",
            "declined",
            "triage",
        ];
        for step in 0..120 {
            let kind = if ids.len() < 3 { 0 } else { rng.usize(..5) };
            match kind {
                0 => {
                    let sev = ["sev1", "sev2", "sev3", "sev4"][rng.usize(..4)];
                    ids.push(id_version(&admin.declare(&format!("Step {step}"), sev).await).0);
                }
                1 => {
                    // A merge moves the duplicate to "merged" and touches the survivor.
                    let (a, b) = (ids[rng.usize(..ids.len())], ids[rng.usize(..ids.len())]);
                    let now = admin
                        .ok(Method::GET, &format!("/api/v1/incidents/{a}"), None)
                        .await;
                    let _ = admin
                        .post_json(
                            &format!("/api/v1/incidents/{a}/merge"),
                            json!({"target_id": b, "expected_version": now["version"]}),
                        )
                        .await;
                }
                _ => {
                    let id = ids[rng.usize(..ids.len())];
                    let now = admin
                        .ok(Method::GET, &format!("/api/v1/incidents/{id}"), None)
                        .await;
                    // Refused moves (not allowed from here, final) change nothing.
                    let _ = admin
                        .post_json(
                            &format!("/api/v1/incidents/{id}/status"),
                            json!({
                                "status": statuses[rng.usize(..statuses.len())],
                                "expected_version": now["version"],
                            }),
                        )
                        .await;
                }
            }
            if step % 10 == 0 {
                assert_counts(&server, &admin).await;
            }
        }
        assert_counts(&server, &admin).await;
        let all = server.store.incidents().await.unwrap();
        let distinct: BTreeSet<&str> = all.iter().map(|i| i.status.key()).collect();
        assert!(
            distinct.len() >= 4,
            "the commands moved incidents around: {distinct:?}"
        );
        assert!(distinct.contains("merged"), "{distinct:?}");

        // After a restart the read model is where it was.
        let db = server.stop().await;
        let server = TestServer::start(db).await;
        let admin = server.client(UserRole::Admin).await;
        assert_counts(&server, &admin).await;
    }
);

on_both_stores!(bad_list_queries_are_400_problems, |db: Db| async move {
    let server = TestServer::start(db).await;
    let client = server.client(UserRole::Responder).await;
    let cases = [
        ("status=nope", "status"),
        ("sort=nope", "sort"),
        ("severity=sev9", "sev9"),
        ("after=garbage", "cursor"),
        ("after=u.notatime.3", "cursor"),
        ("after=n.1.2.3", "cursor"),
        ("limit=0", "at least one"),
        ("limit=201", "at most 200"),
        (
            "sort=newest&after=u.1700000000000000.3",
            "sorted by updated",
        ),
        ("sort=updated&after=n.5", "sorted by newest"),
    ];
    for (query, needle) in cases {
        let res = client.get(&format!("/api/v1/incidents?{query}")).await;
        assert_problem(res, 400, needle).await;
    }
    // What parses is answered.
    let page = list(&client, "status=all&sort=oldest&limit=200&q=%25_").await;
    assert_eq!(page["incidents"], json!([]));
});

on_both_stores!(
    a_history_written_before_the_list_keys_is_keyed_on_migrate,
    |db: Db| async move {
        crate::migration::restore(&db).await;
        // A title SQLite's lower() would not fold, written as release 0.1 would have.
        crate::migration::raw(
            &db,
            "UPDATE incidents SET title = 'ÜBER İSTANBUL' WHERE id = 2",
        )
        .await;
        // The store alone: a running server's SLA watcher would move the fixture's incidents.
        let store = db.open().await;
        let all = store.incidents().await.unwrap();
        assert!(!all.is_empty());
        let viewers: Vec<i64> = all.iter().map(|i| i.declared_by).collect();
        let mut by_id: HashMap<i64, &Incident> = HashMap::new();
        for i in &all {
            by_id.insert(i.id, i);
        }
        for search in ["über i̇stanbul", "ÜBER", "checkout", ""] {
            for sort in Sort::ALL {
                let query = IncidentQuery {
                    status: StatusFilter::All,
                    search: search.into(),
                    sort,
                    limit: 2,
                    ..IncidentQuery::default()
                };
                walk_store(&*store, &all, query.clone(), viewers[0]).await;
                let mine = IncidentQuery {
                    mine: true,
                    ..query
                };
                walk_store(&*store, &all, mine, viewers[0]).await;
            }
        }
        let found = walk_store(
            &*store,
            &all,
            IncidentQuery {
                status: StatusFilter::All,
                search: "über".into(),
                ..IncidentQuery::default()
            },
            viewers[0],
        )
        .await;
        assert_eq!(found, vec![2], "{:?}", by_id.get(&2).map(|i| &i.title));
        assert_eq!(
            store.status_counts().await.unwrap(),
            StatusCounts::count(&all)
        );
    }
);

/// The FTS5 trigram index `0009_incident_list.sql` creates needs FTS5 in the SQLite Sitrep is
/// built with (libsqlite3-sys, bundled).
#[tokio::test]
async fn the_bundled_sqlite_has_fts5() {
    let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
    let fts5: i64 = sqlx::query_scalar("SELECT sqlite_compileoption_used('ENABLE_FTS5')")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(fts5, 1);
}
